import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { jobsWaitingForSlot, waitForJob } from '../../src/client-library';
import {
  profileQueueWorkflowId,
  TURN_RELEASED_SIGNAL,
  waitingQuery,
  workflowIdFor,
  type WaitReason,
} from '../../src/contract';
import { startHarness, type Harness } from '../helpers/harness';
import { waitUntil } from '../helpers/processes';

// Waiting costs nothing: jobs for one profile take turns in the order they were submitted, and jobs that
// find every slot taken rest in the acquire queue until one frees. Neither is an attempt, a failure or a
// warning. One worker with a single slot, the real dev server, real Chromium.
let h: Harness;
before(async () => {
  h = await startHarness({ maxOpenProfiles: 1 });
});
after(async () => {
  await h?.close();
});

type Event = NonNullable<
  Awaited<ReturnType<ReturnType<Harness['client']['workflow']['getHandle']>['fetchHistory']>>['events']
>[number];
/** How many jobs visibility says wait for `reason` now (what the mlx_jobs_waiting gauge reports). */
async function waitingNow(reason: WaitReason): Promise<number> {
  if (reason === 'slot') return jobsWaitingForSlot(h.client.workflowService, h.server.namespace, h.taskQueue);
  return (await h.client.workflow.count(waitingQuery(reason))).count;
}

const at = (e: Event) => Number(e.eventTime?.seconds ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;

/** Per activity type of a job: every attempt that started, and when the first one did. */
async function activityStarts(jobId: string) {
  const events = (await h.client.workflow.getHandle(workflowIdFor(jobId)).fetchHistory()).events ?? [];
  const types = new Map<string, string>();
  for (const e of events) {
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (name) types.set(String(e.eventId), name);
  }
  const starts: { type: string; attempt: number; at: number }[] = [];
  for (const e of events) {
    const started = e.activityTaskStartedEventAttributes;
    if (started)
      starts.push({
        type: types.get(String(started.scheduledEventId))!,
        attempt: started.attempt ?? 1,
        at: at(e),
      });
  }
  const failed = events.filter((e) => e.activityTaskFailedEventAttributes).length;
  return { starts, failed };
}

test('jobs for one profile run one at a time in the order they were submitted, with one lease attempt each', async () => {
  const ids = [1, 2, 3, 4, 5].map((n) => `fifo-${n}`);
  for (const id of ids) {
    await h.submit({
      job_id: id,
      profile_id: 'fifo-profile',
      task: { name: 'hold_browser', input: { ms: 300 } },
    });
  }
  // One job holds the profile; the others say in their search attributes that they wait for it.
  await waitUntil(async () => (await waitingNow('profile')) >= 3, 30_000, 'jobs marked as waiting');
  for (const id of ids) assert.equal((await waitForJob(h.client, id)).status, 'completed');
  // Visibility is eventually consistent: it catches up with the last job's end, then counts no one.
  await waitUntil(
    async () => (await waitingNow('profile')) === 0,
    30_000,
    'no finished job counted as waiting',
  );
  const tasks = [];
  for (const id of ids) {
    const { starts, failed } = await activityStarts(id);
    assert.equal(failed, 0, `${id}: no step failed while it waited`);
    assert.deepEqual(
      starts.filter((s) => s.type === 'acquireLease').map((s) => s.attempt),
      [1],
      `${id}: one acquireLease attempt, however long it waited`,
    );
    tasks.push({ id, at: starts.find((s) => s.type === 'executeTask')!.at });
  }
  assert.deepEqual(
    [...tasks].sort((a, b) => a.at - b.at).map((t) => t.id),
    ids,
    'the tasks ran in submission order',
  );
  // Each job gave its turn back, and the queue told the next one, from local activities: no workflow sent
  // a signal itself, which would have cost it a workflow task of its own.
  const history = async (workflowId: string) =>
    (await h.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const queue = await history(profileQueueWorkflowId('fifo-profile'));
  const releases = queue.filter(
    (e) => e.workflowExecutionSignaledEventAttributes?.signalName === TURN_RELEASED_SIGNAL,
  );
  assert.equal(releases.length, ids.length, 'the queue was given every turn back');
  assert.equal(queue.filter((e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes).length, 0);
  for (const id of ids) {
    const sent = (await history(workflowIdFor(id))).filter(
      (e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes,
    );
    assert.equal(sent.length, 0, `${id}: the workflow sent no signal itself`);
  }
});

test('jobs that find every slot taken wait in the acquire queue: no attempt fails, every job completes', async () => {
  const ids = ['room-1', 'room-2', 'room-3'];
  await Promise.all(
    ids.map((id) => h.submit({ job_id: id, task: { name: 'hold_browser', input: { ms: 1500 } } })),
  );
  await waitUntil(async () => (await waitingNow('slot')) >= 1, 30_000, 'a job counted as waiting for a slot');
  for (const id of ids) assert.equal((await waitForJob(h.client, id)).status, 'completed');
  await waitUntil(async () => (await waitingNow('slot')) === 0, 30_000, 'no finished job counted as waiting');
  for (const id of ids) {
    const { starts, failed } = await activityStarts(id);
    assert.equal(failed, 0, `${id}: no WorkerAtCapacity, no failed attempt`);
    assert.deepEqual(
      starts.filter((s) => s.type === 'acquireLease').map((s) => s.attempt),
      [1],
    );
  }
  const events = (await h.client.workflow.getHandle(workflowIdFor('room-3')).fetchHistory()).events ?? [];
  const scheduled = events.find(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'acquireLease',
  )!.activityTaskScheduledEventAttributes!;
  assert.ok(
    !Number(scheduled.scheduleToCloseTimeout?.seconds ?? 0),
    'waiting for room has no deadline of its own',
  );
  assert.equal(scheduled.taskQueue?.name, `${h.taskQueue}-acquire`);
});
