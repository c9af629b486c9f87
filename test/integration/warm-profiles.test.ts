/**
 * Warm profiles on real parts (Temporal dev server, Redis leases, the embedded launcher's Chromium): jobs
 * on one profile pass its open browser on, one to the next, with one start and one stop in the
 * launcher's timeline; a job of another client gets a fresh start; a browser nobody takes over is stopped
 * when its linger ends; a browser that died while it lingered is started afresh for the next job.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { NativeConnection } from '@temporalio/worker';
import { z } from 'zod';
import { createKeptConnections } from '../../src/cdp';
import { cancelJob, jobFailureOf, waitForJob } from '../../src/client-library';
import { hostTaskQueue, workflowIdFor } from '../../src/contract';
import {
  createLeaseRecords,
  createOpenProfiles,
  createPendingQuestions,
  createProfileSlots,
} from '../../src/host';
import { startLocalLauncher } from '../../src/launcher';
import { createRedisLeaseStore, type LeaseStore } from '../../src/lease';
import { createLauncherClient } from '../../src/mlx';
import { createPayloadHandling } from '../../src/payload-codec';
import { defineTask } from '../../src/tasks';
import { silentLogger } from '../../src/telemetry';
import { createMlxWorker } from '../../src/worker-process/mlx-worker';
import { gate, gatedLeases } from '../helpers/gates';
import { startHarness, workflowBundle, type Harness } from '../helpers/harness';
import { memorySpans } from '../helpers/memory-spans';
import { waitUntil } from '../helpers/processes';
import { redisForTest, type TestRedis } from '../helpers/redis';

/** Long enough that no turn in these tests outlasts it; the expiry test shortens it. */
const LINGER_MS = 60_000;

let h: Harness;
let redis: TestRedis;
let leases: LeaseStore;
/** The job ids in the order their tasks ran, and what each task found in its page first. */
const ran: { job_id: string; title: string; pages: number }[] = [];
const { spans, telemetry } = memorySpans();

/** Notes what its page holds as it starts (a fresh tab: nothing), then leaves its own title there. */
const warmNote = defineTask({
  name: 'warm_note',
  description: 'records its first view of the page, then sets a title of its own',
  input: z.object({}),
  output: z.object({ title: z.string() }),
  async run(ctx) {
    ran.push({ job_id: ctx.job.job_id, title: await ctx.page.title(), pages: ctx.context.pages().length });
    await ctx.page.setContent(`<html><head><title>${ctx.job.job_id}</title></head><body>ok</body></html>`);
    return { title: await ctx.page.title() };
  },
});

/** Leaves its page hung (a renderer in an endless loop) behind a dialog: what the next job must not inherit. */
const warmHang = defineTask({
  name: 'warm_hang',
  description: 'leaves its page hung in an endless loop behind an open dialog',
  input: z.object({}),
  output: z.object({}),
  async run(ctx) {
    await ctx.page.setContent('<html><body>hung</body></html>');
    await ctx.page.evaluate(() => {
      setTimeout(() => {
        alert('left open');
        for (;;);
      }, 50);
    });
    return {};
  },
});

before(async () => {
  redis = await redisForTest();
  // Hand-overs wait at a gate a test arms (`handover:<owner job id>`), so a cancel or a deadline can
  // be made to land while the host hands a browser over.
  leases = gatedLeases(createRedisLeaseStore(redis.url, redis.prefix));
  h = await startHarness({
    leases,
    lingerMs: LINGER_MS,
    tasks: [warmNote, warmHang],
    telemetry,
  });
});

after(async () => {
  await h?.close();
  await leases?.close();
  await redis?.stop();
  await telemetry.shutdown();
});

const note = { name: 'warm_note', input: {} };

/** The launcher's starts and stops of one profile, in order. */
const timelineOf = (profileId: string) =>
  h.launcher
    .timeline()
    .filter((e) => e.profile_id === profileId)
    .map((e) => e.event);

type WarmJob = { job_id: string; profile_id: string; client_id?: string; task?: typeof note };

/** Submits the jobs back to back (each queued in the profile's line as it is submitted). */
async function submitAll(jobs: WarmJob[]): Promise<void> {
  for (const job of jobs) await h.submit({ task: note, ...job, callback_url: undefined });
}

/** Submits the jobs back to back, then waits for all to complete. */
async function runAll(jobs: WarmJob[]): Promise<void> {
  await submitAll(jobs);
  for (const job of jobs)
    assert.equal((await waitForJob(h.client, job.job_id)).status, 'completed', job.job_id);
}

/** The typed failure a job ended with (undefined when it completed). */
const failureOf = (jobId: string) =>
  waitForJob(h.client, jobId).then(
    () => undefined,
    (err: unknown) => jobFailureOf(err).type,
  );

/** Whether the job asked a step under way to cancel (its history says so). */
async function cancelAsked(jobId: string): Promise<boolean> {
  const history = await h.client.workflow.getHandle(workflowIdFor(jobId)).fetchHistory();
  return (history.events ?? []).some((e) => e.activityTaskCancelRequestedEventAttributes);
}

/** Nothing of the profile is left: no browser, no lease, nothing on the host. */
async function assertGone(profileId: string, why: string): Promise<void> {
  assert.equal(
    h.launcher.runningProfiles().some((p) => p.profileId === profileId),
    false,
    `${why}: no browser`,
  );
  assert.equal(await h.deps.leases.get(profileId), undefined, `${why}: its lease is free`);
  assert.equal(h.deps.profiles.get(profileId), undefined, `${why}: the host holds nothing of it`);
}

/** The job's span of that name (the first, when it has several). */
const spanOf = (name: string, jobId: string) =>
  spans.getFinishedSpans().find((s) => s.name === name && s.attributes['mlx.job_id'] === jobId);

/** Whether each job's mlx.profile.start span says its browser was reused. */
const reusedBy = (jobIds: string[]) =>
  jobIds.map((id) => {
    const span = spanOf('mlx.profile.start', id);
    assert.ok(span, `a start span for ${id}`);
    return span.attributes['mlx.profile.reused'] === true;
  });

test('jobs on one profile submitted at once pass its browser on: one start, in submission order, each on a clean page', async () => {
  const ids = ['warm-a1', 'warm-a2', 'warm-a3', 'warm-a4'];
  await runAll(ids.map((job_id) => ({ job_id, profile_id: 'warm-p1' })));
  assert.deepEqual(
    ran.filter((r) => ids.includes(r.job_id)).map((r) => r.job_id),
    ids,
    'the tasks ran in submission order',
  );
  assert.deepEqual(
    timelineOf('warm-p1'),
    ['started'],
    'one start, and the browser still open for the next job',
  );
  for (const r of ran.filter((x) => ids.includes(x.job_id))) {
    assert.deepEqual([r.title, r.pages], ['', 1], `${r.job_id} found a fresh tab of its own`);
  }
  assert.deepEqual(reusedBy(ids), [false, true, true, true], 'each later start says the browser was reused');
  const lease = await h.deps.leases.get('warm-p1');
  assert.equal(lease?.job_id, 'linger/warm-a4', 'the host holds the lease while the browser lingers');
});

test('a job of another client never gets the browser: it and the job after it start the profile afresh', async () => {
  await runAll([
    { job_id: 'warm-b1', profile_id: 'warm-p2' },
    { job_id: 'warm-b2', profile_id: 'warm-p2', client_id: 'client-7' },
    { job_id: 'warm-b3', profile_id: 'warm-p2' },
  ]);
  assert.deepEqual(timelineOf('warm-p2'), ['started', 'stopped', 'started', 'stopped', 'started']);
  assert.deepEqual(reusedBy(['warm-b1', 'warm-b2', 'warm-b3']), [false, false, false]);
});

test('a browser nobody takes over is stopped when its linger ends, and its lease given up', async (t) => {
  h.deps.lingerMs = 500;
  t.after(() => (h.deps.lingerMs = LINGER_MS));
  await runAll([{ job_id: 'warm-c1', profile_id: 'warm-p3' }]);
  await waitUntil(
    () => timelineOf('warm-p3').join() === 'started,stopped',
    30_000,
    'the lingering browser to be stopped',
  );
  assert.equal(await h.deps.leases.get('warm-p3'), undefined, 'its lease is free');
  assert.equal(h.deps.profiles.get('warm-p3'), undefined, 'the host holds nothing of it');
});

test('a browser that died while it lingered is started afresh for the next job, which completes', async () => {
  await runAll([{ job_id: 'warm-d1', profile_id: 'warm-p4' }]);
  const running = h.launcher.runningProfiles().find((p) => p.profileId === 'warm-p4');
  assert.ok(running, 'the browser lingers');
  process.kill(running.pid, 'SIGKILL');
  await runAll([{ job_id: 'warm-d2', profile_id: 'warm-p4' }]);
  assert.deepEqual(timelineOf('warm-p4').filter((e) => e === 'started').length, 2, 'a second start');
  assert.deepEqual(reusedBy(['warm-d2']), [false], 'its start says it reused nothing');
});

test('a job cancelled while the host hands it the browser: its cleanup stops the browser and frees the lease', async () => {
  await runAll([{ job_id: 'warm-e1', profile_id: 'warm-p5' }]);
  const handing = gate('handover:warm-e2');
  await submitAll([{ job_id: 'warm-e2', profile_id: 'warm-p5' }]);
  await waitUntil(() => handing.entered, 60_000, 'the host to start handing the browser to warm-e2');
  await cancelJob(h.client, 'warm-e2');
  // The hand-over completes after the job asked it to cancel: the job must see the lease it was given.
  await waitUntil(() => cancelAsked('warm-e2'), 30_000, 'the cancel to reach the lease step');
  handing.open();
  assert.equal(await failureOf('warm-e2'), 'Cancelled');
  // The job's own cleanup did this, not the reaper (which would, later, for a run that closed).
  const stop = spanOf('mlx.profile.stop', 'warm-e2');
  assert.ok(stop && stop.attributes['mlx.profile.stop_refused'] === undefined, 'warm-e2 stopped it itself');
  assert.equal(spanOf('mlx.lease.release', 'warm-e2')?.attributes['mlx.lease.released'], true);
  assert.deepEqual(timelineOf('warm-p5'), ['started', 'stopped'], 'the browser it was handed is stopped');
  await assertGone('warm-p5', 'after the cancelled job');
});

test('a job whose deadline passes while it waits for the browser fails with JobDeadlineExceeded; the job after it gets the browser', async () => {
  // warm-f1's hand-over to its lingering owner waits until warm-f2's deadline has passed.
  const lingering = gate('handover:linger/warm-f1');
  await submitAll([{ job_id: 'warm-f1', profile_id: 'warm-p6' }]);
  await waitUntil(() => lingering.entered, 60_000, 'warm-f1 to start keeping its browser');
  await h.submit({
    job_id: 'warm-f2',
    profile_id: 'warm-p6',
    task: note,
    deadline_ms: 1_000,
    callback_url: undefined,
  });
  await submitAll([{ job_id: 'warm-f3', profile_id: 'warm-p6' }]);
  assert.equal(await failureOf('warm-f2'), 'JobDeadlineExceeded');
  lingering.open();
  assert.equal((await waitForJob(h.client, 'warm-f1')).status, 'completed');
  assert.equal((await waitForJob(h.client, 'warm-f3')).status, 'completed');
  assert.deepEqual(timelineOf('warm-p6'), ['started'], 'one start: the browser went on to warm-f3');
  assert.deepEqual(reusedBy(['warm-f3']), [true]);
  assert.equal((await h.deps.leases.get('warm-p6'))?.job_id, 'linger/warm-f3');
});

test('a task that leaves its page hung behind a dialog: the next job gets a clean tab on the same browser', async () => {
  await runAll([
    { job_id: 'warm-g1', profile_id: 'warm-p7', task: { name: 'warm_hang', input: {} } },
    { job_id: 'warm-g2', profile_id: 'warm-p7' },
  ]);
  assert.deepEqual(timelineOf('warm-p7'), ['started']);
  assert.deepEqual(reusedBy(['warm-g2']), [true]);
  const g2 = ran.find((r) => r.job_id === 'warm-g2');
  assert.deepEqual([g2?.title, g2?.pages], ['', 1], 'warm-g2 found a fresh tab, the hung page gone');
});

/**
 * A second host in this process, polling the harness's queues as `workerId`, with a launcher of its own
 * (an MLX agent that outlives its worker). `crash()` ends it as a killed process would: what it held in
 * memory is gone, it polls and renews nothing more, and the browsers its launcher runs are left running.
 */
async function startHost(workerId: string, launcherUrl: string, leaseTtlMs: number) {
  const connection = await NativeConnection.connect({ address: h.server.address });
  const payload = createPayloadHandling(h.payload, { refusePlaintext: true });
  const deps = {
    ...h.deps,
    workerId,
    hostTaskQueue: hostTaskQueue(h.taskQueue, workerId),
    launcher: createLauncherClient({ baseUrl: launcherUrl }),
    profiles: createOpenProfiles(),
    slots: createProfileSlots(2),
    leaseRecords: createLeaseRecords(),
    connections: createKeptConnections(),
    questions: createPendingQuestions(),
    leaseTtlMs,
  };
  const worker = await createMlxWorker({
    connection,
    namespace: h.server.namespace,
    taskQueue: h.taskQueue,
    deps,
    workflowBundle: await workflowBundle(),
    shutdownGraceTimeMs: 2_000,
    drainGraceMs: 2_000,
    reaperIntervalMs: 500,
    telemetry,
    dataConverter: payload.dataConverter,
  });
  const running = worker.run();
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      worker.shutdownNow();
      await running;
      await connection.close();
      await payload.close();
    })());
  return {
    deps,
    stop,
    async crash() {
      for (const open of deps.profiles.list()) deps.profiles.delete(open.profile_id);
      await stop();
    },
  };
}

test("a host lost while the browser lingers: the next job starts the profile elsewhere, and the restarted host's reaper stops the browser left behind", async (t) => {
  // The lost host's agent: it keeps running the browser after its worker is gone.
  const agent = await startLocalLauncher({ dataDir: join(h.dataDir, 'host-b'), log: silentLogger });
  t.after(() => agent.close());
  const agentTimeline = () =>
    agent
      .timeline()
      .filter((e) => e.profile_id === 'warm-p8')
      .map((e) => e.event);
  // The harness worker is full until warm-h1 has leased on host-b: its slots are held for a live run of
  // its own (x1, whose stop waits at a gate), so the reaper leaves them alone.
  const x1 = gate('handover:linger/warm-x1');
  t.after(() => x1.open());
  const { run_id: runId } = await h.submit({
    job_id: 'warm-x1',
    profile_id: 'warm-px',
    task: note,
    callback_url: undefined,
  });
  await waitUntil(() => x1.entered, 60_000, 'warm-x1 to hold its slot on the harness worker');
  // Started now, so warm-x1 cannot have gone there. A short TTL: its lease on the lingering browser
  // lapses while the next job waits for the lost host.
  const hostB = await startHost('warm-host-b', agent.url, 2_000);
  t.after(() => hostB.stop());
  const blockers = Array.from({ length: h.deps.slots.max - 1 }, (_, i) => `warm-blocker-${i}`);
  for (const job_id of blockers) {
    h.deps.slots.take({ job_id, profile_id: job_id, workflow_id: workflowIdFor('warm-x1'), run_id: runId });
  }
  await runAll([{ job_id: 'warm-h1', profile_id: 'warm-p8' }]);
  for (const job_id of blockers) h.deps.slots.free(job_id);
  assert.deepEqual(agentTimeline(), ['started'], 'warm-h1 ran on host-b, whose browser lingers');

  await hostB.crash();
  await runAll([{ job_id: 'warm-h2', profile_id: 'warm-p8' }]);
  assert.deepEqual(reusedBy(['warm-h2']), [false], 'warm-h2 started the profile afresh');
  assert.deepEqual(timelineOf('warm-p8'), ['started'], 'on the harness worker');
  assert.deepEqual(agentTimeline(), ['started'], "host-b's browser is still running: nobody stopped it");

  const restarted = await startHost('warm-host-b', agent.url, 2_000);
  t.after(() => restarted.stop());
  await waitUntil(
    () => agentTimeline().join() === 'started,stopped',
    30_000,
    "the restarted host-b's reaper to stop the browser no job owns",
  );
  assert.equal(
    (await h.deps.leases.get('warm-p8'))?.job_id,
    'linger/warm-h2',
    "warm-h2's browser is untouched",
  );
});
