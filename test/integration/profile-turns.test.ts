/**
 * The edges of a profile's turn, on a real Temporal server: a job gives its turn back whatever ends it,
 * a job that no longer drives its profile never holds it, a waiting job outlives its queue, a reset job
 * keeps its place, a cancel during acquireLease leaves no lease behind, a full fleet is asked again with
 * backoff, and a waiting job says behind whom it waits.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { leaseActivities } from '../../src/activities';
import { formatStatus } from '../../src/cli/format';
import { cancelJob, getJob, releaseTurn, waitForJob, type JobStatus } from '../../src/client-library';
import { failure, profileQueueWorkflowId, workflowIdFor, type JobSpecInput } from '../../src/contract';
import { freePort } from '../../src/dev/free-port';
import { createMemoryLeaseStore } from '../../src/lease';
import { workflowMetadataQuery } from '@temporalio/workflow';
import { startHarness, type Harness } from '../helpers/harness';
import { gate, gatedLeases } from '../helpers/gates';
import { eventTimeMs } from '../helpers/history';
import { waitUntil } from '../helpers/processes';

let h: Harness;
/** Jobs whose releaseLease gives the lease back but loses the turn's release (a lost signal). */
const turnReleaseLost = new Set<string>();
/** Jobs whose acquireLease always meets full workers. */
const fleetFull = new Set<string>();
before(async () => {
  h = await startHarness({
    leases: gatedLeases(createMemoryLeaseStore()),
    replaceActivities: (deps) => ({
      shared: {
        acquireLease: (input) => {
          if (!fleetFull.has(input.job.job_id)) return leaseActivities(deps).acquireLease(input);
          throw failure('WorkerAtCapacity', 'every worker is full (test)', { nextRetryDelayMs: 100 });
        },
        releaseLease: (input) =>
          leaseActivities(
            deps,
            turnReleaseLost.has(input.job.job_id) ? undefined : (turn) => releaseTurn(h.client, turn),
          ).releaseLease(input),
      },
    }),
  });
});

after(async () => {
  await h?.close();
});

/** A callback nobody listens on: a report to it is retried for about a minute, so the run stays open. */
async function refusingCallback(): Promise<Pick<JobSpecInput, 'callback_url' | 'policies'>> {
  return {
    callback_url: `http://127.0.0.1:${await freePort()}/hooks`,
    policies: {
      postWebhook: {
        retry: { initial_interval_ms: 6_000, maximum_interval_ms: 6_000, maximum_attempts: 10 },
      },
    },
  };
}

const status = (harness: Harness, jobId: string) => getJob(harness.client, jobId);
const closedAs = async (harness: Harness, jobId: string, name: JobStatus['status']) =>
  (await status(harness, jobId)).status === name;

const hold = (ms: number) => ({ name: 'hold_browser', input: { ms } });

/** Submits a job that holds its profile for `ms`, and waits until its task drives the browser. */
async function holdProfile(jobId: string, profileId: string, ms: number): Promise<void> {
  await h.submit({ job_id: jobId, profile_id: profileId, task: hold(ms) });
  await waitUntil(
    async () => (await status(h, jobId)).progress?.current_step === 'executeTask',
    30_000,
    'the first job driving its profile',
  );
}

/** When each executeTask of a job started and ended (ms), from its history. */
async function taskRuns(jobId: string): Promise<{ started: number; ended: number }[]> {
  const events = (await h.client.workflow.getHandle(workflowIdFor(jobId)).fetchHistory()).events ?? [];
  const at = (e: (typeof events)[number]) => eventTimeMs(e.eventTime);
  const scheduled = new Map<string, number>();
  const runs: { started: number; ended: number }[] = [];
  for (const event of events) {
    const attrs = event.activityTaskScheduledEventAttributes;
    if (attrs?.activityType?.name === 'executeTask') scheduled.set(String(event.eventId), at(event));
    const started = event.activityTaskStartedEventAttributes;
    const done = event.activityTaskCompletedEventAttributes ?? event.activityTaskFailedEventAttributes;
    if (started && scheduled.has(String(started.scheduledEventId))) {
      runs.push({ started: at(event), ended: Infinity });
    }
    if (done && scheduled.has(String(done.scheduledEventId))) runs.at(-1)!.ended = at(event);
  }
  return runs;
}

test('a job cancelled before its first workflow task gives its turn back: the next job on its profile runs', async () => {
  // No worker polls yet: the client queues the job at submit, and the cancel reaches the run before it
  // ever ran; its cancel report then keeps retrying against a callback nobody answers.
  const d = await startHarness({ deferWorker: true });
  try {
    await d.submit({ job_id: 'turn-cancelled-early', profile_id: 'turn-p1', ...(await refusingCallback()) });
    await cancelJob(d.client, 'turn-cancelled-early');
    d.startWorker();
    await d.submit({ job_id: 'turn-after-cancelled', profile_id: 'turn-p1', callback_url: undefined });
    await waitUntil(
      () => closedAs(d, 'turn-after-cancelled', 'COMPLETED'),
      45_000,
      'the next job on the profile to complete',
    );
    assert.equal(
      (await status(d, 'turn-cancelled-early')).status,
      'RUNNING',
      'the cancelled job is still open, reporting: the next job did not wait for it to close',
    );
  } finally {
    await d.close();
  }
});

test('a parked job whose turn release was lost does not hold its profile: the next job runs', async () => {
  turnReleaseLost.add('turn-parked');
  await h.submit(
    { job_id: 'turn-parked', profile_id: 'turn-p2', task: { name: 'always_fails', input: {} } },
    { deadLetterRetentionMs: 600_000 },
  );
  await waitUntil(
    async () => (await status(h, 'turn-parked')).progress?.state === 'dead_letter',
    30_000,
    'the job parked',
  );
  await h.submit({ job_id: 'turn-after-parked', profile_id: 'turn-p2' });
  await waitUntil(() => closedAs(h, 'turn-after-parked', 'COMPLETED'), 45_000, 'the next job to complete');
  assert.equal((await status(h, 'turn-parked')).progress?.state, 'dead_letter', 'still parked meanwhile');
});

test('a job waiting for its turn outlives its profile queue: it asks again and runs', async () => {
  await h.submit({ job_id: 'turn-q-holder', profile_id: 'turn-p3', task: hold(3_000) });
  await h.submit({ job_id: 'turn-q-waiter', profile_id: 'turn-p3' });
  await waitUntil(
    async () => (await status(h, 'turn-q-waiter')).progress?.waiting !== undefined,
    30_000,
    'the second job waiting for its turn',
  );
  await h.client.workflow.getHandle(profileQueueWorkflowId('turn-p3')).terminate('test: the queue is lost');
  assert.equal((await waitForJob(h.client, 'turn-q-holder')).status, 'completed');
  await waitUntil(() => closedAs(h, 'turn-q-waiter', 'COMPLETED'), 90_000, 'the waiting job to complete');
});

test('a reset job keeps its turn: the job behind it waits until the reset run is done', async () => {
  await holdProfile('turn-reset', 'turn-p4', 4_000);
  await h.submit({ job_id: 'turn-behind-reset', profile_id: 'turn-p4' });
  const handle = h.client.workflow.getHandle(workflowIdFor('turn-reset'));
  const { runId } = await handle.describe();
  const events = (await handle.fetchHistory()).events ?? [];
  const firstTask = events.find((e) => e.workflowTaskCompletedEventAttributes)!;
  await h.client.workflowService.resetWorkflowExecution({
    namespace: h.server.namespace,
    workflowExecution: { workflowId: workflowIdFor('turn-reset'), runId },
    reason: 'test: reset to the first workflow task',
    workflowTaskFinishEventId: firstTask.eventId,
    requestId: `reset-${runId}`,
  });
  await waitUntil(() => closedAs(h, 'turn-reset', 'COMPLETED'), 90_000, 'the reset job to complete');
  await waitUntil(
    () => closedAs(h, 'turn-behind-reset', 'COMPLETED'),
    60_000,
    'the job behind it to complete',
  );
  const reset = await taskRuns('turn-reset');
  const [behind] = await taskRuns('turn-behind-reset');
  assert.ok(reset.length >= 1 && behind, 'both ran their task');
  assert.ok(
    behind.started >= reset.at(-1)!.ended,
    `the job behind started its task (${behind.started}) after the reset run's task ended (${reset.at(-1)!.ended})`,
  );
});

test('a job cancelled while acquireLease runs gives back the lease that attempt won', async () => {
  const held = gate('lease:turn-cancel-acquire');
  await h.submit({ job_id: 'turn-cancel-acquire', profile_id: 'turn-p5', ...(await refusingCallback()) });
  await waitUntil(() => held.entered, 30_000, 'acquireLease to be leasing');
  await cancelJob(h.client, 'turn-cancel-acquire');
  held.open();
  await waitUntil(
    async () => (await h.deps.leases.get('turn-p5')) !== undefined,
    10_000,
    'the attempt under way to win the lease',
  ).catch(() => undefined); // it may already be given back
  await waitUntil(
    async () => (await h.deps.leases.get('turn-p5')) === undefined,
    30_000,
    'the lease won during the cancel to be given back',
  );
  assert.equal((await status(h, 'turn-cancel-acquire')).status, 'RUNNING', 'the job is still reporting');
  assert.ok(
    !h.deps.slots.holders().some((s) => s.job_id === 'turn-cancel-acquire'),
    'and holds no slot on the host',
  );
});

test('when every attempt of a bounded acquireLease meets full workers, the job asks again with growing pauses', async () => {
  fleetFull.add('turn-full');
  await h.submit({
    job_id: 'turn-full',
    profile_id: 'turn-p6',
    policies: { acquireLease: { retry: { maximum_attempts: 1 } } },
  });
  const handle = h.client.workflow.getHandle(workflowIdFor('turn-full'));
  const rounds = async () =>
    ((await handle.fetchHistory()).events ?? [])
      .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'acquireLease')
      .map((e) => eventTimeMs(e.eventTime));
  await waitUntil(async () => (await rounds()).length >= 4, 60_000, 'four rounds of acquireLease');
  const times = await rounds();
  fleetFull.delete('turn-full');
  const gaps = times.slice(1, 4).map((t, i) => t - times[i]!);
  gaps.forEach((gap, i) =>
    assert.ok(gap >= 900 * 2 ** i, `pause ${i + 1} was ${Math.round(gap)} ms, at least ${1000 * 2 ** i} ms`),
  );
  assert.equal(
    (await waitForJob(h.client, 'turn-full')).status,
    'completed',
    'and leases once there is room',
  );
});

test('a job waiting for its turn says behind which job, and since when', async () => {
  await holdProfile('turn-holder', 'turn-p8', 6_000);
  await h.submit({ job_id: 'turn-waiter', profile_id: 'turn-p8' });
  await waitUntil(
    async () => (await status(h, 'turn-waiter')).progress?.waiting !== undefined,
    30_000,
    'the second job waiting',
  );
  const waiting = await status(h, 'turn-waiter');
  assert.equal(waiting.progress?.waiting?.behind_job_id, 'turn-holder');
  assert.equal(waiting.progress?.waiting?.ahead, 1);
  assert.match(
    formatStatus(waiting, 'ui'),
    /waiting for its turn on profile turn-p8: behind job turn-holder/,
  );
  const details =
    (await h.client.workflow.getHandle(workflowIdFor('turn-waiter')).query(workflowMetadataQuery))
      .currentDetails ?? '';
  assert.match(details, /waiting for its turn on profile turn-p8/);
  assert.match(details, /behind job turn-holder/);
  assert.equal((await waitForJob(h.client, 'turn-waiter')).status, 'completed');
  assert.equal((await status(h, 'turn-waiter')).progress?.waiting, undefined, 'not waiting once done');
});
