/**
 * Warm profiles on real parts (Temporal dev server, Redis leases, the embedded launcher's Chromium): jobs
 * on one profile pass its open browser on, one to the next, with one start and one stop in the
 * launcher's timeline; a job of another client gets a fresh start; a browser nobody takes over is stopped
 * when its linger ends; a browser that died while it lingered is started afresh for the next job.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { z } from 'zod';
import { waitForJob } from '../../src/client-library';
import { defineTask } from '../../src/tasks';
import { startHarness, type Harness } from '../helpers/harness';
import { memorySpans } from '../helpers/memory-spans';
import { waitUntil } from '../helpers/processes';

/** Long enough that no turn in these tests outlasts it; the expiry test shortens it. */
const LINGER_MS = 60_000;

let h: Harness;
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

before(async () => {
  h = await startHarness({
    lingerMs: LINGER_MS,
    tasks: [warmNote],
    telemetry,
  });
});

after(async () => {
  await h?.close();
  await telemetry.shutdown();
});

const note = { name: 'warm_note', input: {} };

/** The launcher's starts and stops of one profile, in order. */
const timelineOf = (profileId: string) =>
  h.launcher
    .timeline()
    .filter((e) => e.profile_id === profileId)
    .map((e) => e.event);

/** Submits the jobs back to back (each queued in the profile's line as it is submitted), then waits for all. */
async function runAll(jobs: { job_id: string; profile_id: string; client_id?: string }[]): Promise<void> {
  for (const job of jobs) await h.submit({ ...job, task: note, callback_url: undefined });
  for (const job of jobs)
    assert.equal((await waitForJob(h.client, job.job_id)).status, 'completed', job.job_id);
}

/** Whether each job's mlx.profile.start span says its browser was reused. */
const reusedBy = (jobIds: string[]) =>
  jobIds.map((id) => {
    const span = spans
      .getFinishedSpans()
      .find((s) => s.name === 'mlx.profile.start' && s.attributes['mlx.job_id'] === id);
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
