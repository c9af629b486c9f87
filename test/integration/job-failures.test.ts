import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { getJob, jobFailureOf, startJob, waitForJob, cancelJob } from '../../src/client-library';
import { z } from 'zod';
import { errorTypeOf, workflowIdFor } from '../../src/contract';
import { DEFAULT_POLICY_BOUNDS } from '../../src/policies';
import { createTaskRegistry } from '../../src/tasks';
import { startHarness, type Harness } from '../helpers/harness';
import { failForGoodRuns, readTitle } from '../helpers/test-tasks';
import { assertPlaywrightTrace } from '../helpers/playwright-trace';
import { processAlive, processesMatching, waitUntil } from '../helpers/processes';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.close();
});

/** Records the browser's pid while the task runs, so the test can prove it is gone afterwards. */
async function browserPidDuringTask(profileId: string): Promise<number> {
  let pid: number | undefined;
  await waitUntil(
    () => {
      pid = h.launcher.runningProfiles().find((p) => p.profileId === profileId)?.pid;
      return pid !== undefined;
    },
    20_000,
    `a browser for ${profileId}`,
  );
  return pid!;
}

async function assertProfileClosed(profileId: string, pid: number) {
  await waitUntil(() => !processAlive(pid), 10_000, `chromium ${pid} to exit`);
  assert.deepEqual(
    processesMatching(join(h.dataDir, 'profiles', profileId)),
    [],
    'no process of the profile is left',
  );
  assert.equal(h.launcher.runningProfiles().length, 0);
  assert.deepEqual(await h.deps.leases.list(), [], 'the lease is free');
  assert.equal(h.deps.profiles.size, 0);
}

test('a failing task is retried by policy, then the profile is stopped, the lease freed and the failure reported', async () => {
  // A screenshot past its retention (7 days by default), in a directory others could read.
  const artifacts = join(h.dataDir, 'artifacts');
  mkdirSync(artifacts, { recursive: true });
  chmodSync(artifacts, 0o755);
  const stale = join(artifacts, 'stale-attempt1.png');
  const staleTrace = join(artifacts, 'stale-attempt1.zip');
  const eightDaysAgo = new Date(Date.now() - 8 * 24 * 3600 * 1000);
  for (const file of [stale, staleTrace]) {
    writeFileSync(file, 'old');
    utimesSync(file, eightDaysAgo, eightDaysAgo);
  }
  const job = await h.submit({ job_id: 'fails-1', task: { name: 'always_fails', input: {} } });
  const pid = await browserPidDuringTask('profile-fails-1');
  await assert.rejects(waitForJob(h.client, job.job_id), WorkflowFailedError);

  await assertProfileClosed('profile-fails-1', pid);
  const status = await getJob(h.client, job.job_id);
  assert.equal(status.status, 'FAILED');
  assert.deepEqual(
    { type: status.failure?.type, step: status.failure?.step },
    { type: 'TaskFailed', step: 'executeTask' },
  );
  assert.match(status.failure?.message ?? '', /selector #orders not found/);
  assert.deepEqual(
    status.progress?.steps.map((s) => `${s.step}:${s.status}`),
    [
      'acquireLease:completed',
      'startProfile:completed',
      'cdpConnect:completed',
      'executeTask:failed',
      'stopProfile:completed',
      'releaseLease:completed',
      'postWebhook:completed',
    ],
  );
  const history = await h.client.workflow.getHandle(workflowIdFor(job.job_id)).fetchHistory();
  const attempts = history.events
    ?.filter((e) => e.activityTaskStartedEventAttributes)
    .map((e) => e.activityTaskStartedEventAttributes?.attempt);
  assert.ok(
    attempts?.includes(2),
    `executeTask ran a second attempt (fast policy allows 2): ${String(attempts)}`,
  );

  // The client gets the documented schema: the worker's screenshot path stays with operators.
  const webhook = await h.receiver.waitFor(job.job_id);
  assert.deepEqual(
    {
      status: (webhook.body as { status: string }).status,
      error: (webhook.body as { error: unknown }).error,
    },
    {
      status: 'failed',
      error: { type: 'TaskFailed', message: 'selector #orders not found', step: 'executeTask' },
    },
  );
  // The evidence of the last attempt: a real PNG of the page, also shown by `status`.
  assert.equal(status.failure?.evidence?.screenshot, join(h.dataDir, 'artifacts', 'fails-1-attempt2.png'));
  const png = readFileSync(status.failure.evidence.screenshot);
  assert.equal(png.subarray(1, 4).toString(), 'PNG');
  assert.ok(existsSync(join(h.dataDir, 'artifacts', 'fails-1-attempt1.png')), 'each attempt leaves its own');
  // Buyers' data: readable by the worker's user alone; the stale one was pruned.
  assert.equal(statSync(status.failure.evidence.screenshot).mode & 0o777, 0o600);
  assert.equal(statSync(artifacts).mode & 0o777, 0o700);
  assert.ok(!existsSync(stale), 'a screenshot past its retention is removed');
  // Beside each screenshot, the attempt's Playwright trace: what the task did before it failed.
  assert.equal(status.failure.evidence.trace, join(artifacts, 'fails-1-attempt2.zip'));
  const events = assertPlaywrightTrace(status.failure.evidence.trace);
  assert.ok(
    events.some((e) => e.type === 'before' && e.method === 'setContent'),
    "the trace holds the task's actions",
  );
  // By default (MLX_TRACE_FAILED_ATTEMPTS=actions) not the page itself: DOM snapshots and the screencast
  // cost every attempt about 0.8 s, and the screenshot beside the trace shows the page as it failed.
  assert.deepEqual(
    events.filter((e) => e.type === 'frame-snapshot' || e.type === 'screencast-frame'),
    [],
    'no page snapshots or screencast frames in the default trace',
  );
  assert.ok(existsSync(join(artifacts, 'fails-1-attempt1.zip')), 'each attempt keeps its own trace');
  assert.ok(!existsSync(staleTrace), 'a trace past its retention is removed');
});

test('cancelling a job mid-task stops the profile and reports "cancelled"', async () => {
  const job = await h.submit({ job_id: 'cancel-1', task: { name: 'wait_until_cancelled', input: {} } });
  const pid = await browserPidDuringTask('profile-cancel-1');
  await waitUntil(
    async () => (await getJob(h.client, job.job_id)).progress?.current_step === 'executeTask',
    20_000,
    'the task to start',
  );
  await cancelJob(h.client, job.job_id);

  const failure = await waitForJob(h.client, job.job_id).then(() => undefined, jobFailureOf);
  assert.equal(failure?.type, 'Cancelled');
  assert.equal((await getJob(h.client, job.job_id)).status, 'CANCELLED');
  await assertProfileClosed('profile-cancel-1', pid);
  const webhook = await h.receiver.waitFor(job.job_id);
  assert.equal((webhook.body as { status: string }).status, 'cancelled');
});

test('an unknown task fails at once on the worker, without retries, before a browser starts', async () => {
  // A client that knows a task the workers do not (a newer one) passes the submit check.
  const newer = createTaskRegistry([{ ...readTitle, name: 'no_such_task', input: z.unknown() }]);
  const job = await startJob(
    h.client,
    { job_id: 'unknown-task-0', ...h.jobFields('unknown-task-0'), task: { name: 'no_such_task', input: {} } },
    { ...h.startOptions, tasks: newer },
  );
  const failure = await waitForJob(h.client, job.job_id).then(() => undefined, jobFailureOf);
  assert.deepEqual(
    { type: failure?.type, step: failure?.step },
    { type: 'TaskUnknown', step: 'startProfile' },
  );
  const history = await h.client.workflow.getHandle(workflowIdFor(job.job_id)).fetchHistory();
  const executeStarts = history.events?.filter(
    (e) => e.activityTaskStartedEventAttributes && e.activityTaskStartedEventAttributes.attempt !== 1,
  );
  assert.equal(executeStarts?.length, 0, 'no activity ran a second attempt');
  assert.equal(h.launcher.runningProfiles().length, 0);
});

test('invalid task input is refused at submit, and again by the worker, naming the field', async () => {
  await assert.rejects(
    h.submit({ job_id: 'bad-input-0', task: { name: 'read_title', input: { title: 42 } } }),
    (err: Error) => errorTypeOf(err) === 'JobSpecInvalid' && /task\.input\.title/.test(err.message),
  );
  await assert.rejects(h.client.workflow.getHandle(workflowIdFor('bad-input-0')).describe(), /not found/i);
  // A client that does not know the task's schema (an older one) gets it checked by the worker.
  const lenient = createTaskRegistry([{ ...readTitle, input: z.unknown() }]);
  const job = await startJob(
    h.client,
    {
      job_id: 'bad-input-1',
      profile_id: 'profile-bad-input-1',
      folder_id: 'folder-test',
      platform: 'shopee_my',
      client_id: 'client-42',
      task: { name: 'read_title', input: { title: 42 } },
    },
    {
      taskQueue: h.taskQueue,
      policy: { policies: h.policies, bounds: DEFAULT_POLICY_BOUNDS },
      tasks: lenient,
    },
  );
  const failure = await waitForJob(h.client, job.job_id).then(() => undefined, jobFailureOf);
  assert.equal(failure?.type, 'TaskInputInvalid');
  assert.match(failure?.message ?? '', /task\.input\.title/);
});

test('an unknown task is refused at submit with the known ones named', async () => {
  await assert.rejects(
    h.submit({ job_id: 'unknown-task-1', task: { name: 'no_such_task', input: {} } }),
    /task\.name: no task named "no_such_task"; known: sync_orders/,
  );
});

test('the client refuses an invalid JobSpec before anything runs, naming every bad field', async () => {
  await assert.rejects(
    startJob(
      h.client,
      {
        job_id: 'has spaces',
        profile_id: '',
        folder_id: 'f',
        platform: 'Shopee',
        client_id: 'c',
        task: { name: 'read_title' },
        extra: 1,
      },
      { taskQueue: h.taskQueue },
    ),
    (err: Error) => {
      assert.match(err.message, /job_id: /);
      assert.match(err.message, /profile_id: /);
      assert.match(err.message, /platform: /);
      assert.match(err.message, /extra/);
      return true;
    },
  );
  await assert.rejects(h.client.workflow.getHandle(workflowIdFor('has spaces')).describe(), /not found/i);
});

test("a task's non-retryable failure is not retried, whatever its type's default", async () => {
  const before = failForGoodRuns.count;
  const job = await h.submit({ job_id: 'for-good-1', task: { name: 'fails_for_good', input: {} } });
  const failure = await waitForJob(h.client, job.job_id).then(() => undefined, jobFailureOf);
  assert.deepEqual({ type: failure?.type, step: failure?.step }, { type: 'TaskFailed', step: 'executeTask' });
  assert.equal(failForGoodRuns.count - before, 1, 'the task ran once (counted by the task itself)');
});

test('the failure is reported under the step that ended the job, not under a capacity wait handled before it', async () => {
  // Every slot taken: acquireLease runs out of attempts as WorkerAtCapacity, which the job handles by waiting.
  const blockers = Array.from({ length: h.deps.slots.max }, (_, i) => `attribution-blocker-${i}`);
  for (const blocker of blockers) {
    h.deps.slots.take({ job_id: blocker, profile_id: blocker, workflow_id: 'x', run_id: 'x' });
  }
  const job = await h.submit({ job_id: 'attribution-1', task: { name: 'always_fails', input: {} } });
  await waitUntil(
    async () =>
      (await getJob(h.client, job.job_id)).progress?.steps.some(
        (s) => s.step === 'acquireLease' && s.status === 'failed',
      ) ?? false,
    30_000,
    'a capacity wait that ran out of attempts',
  );
  for (const blocker of blockers) h.deps.slots.free(blocker);
  const failure = await waitForJob(h.client, job.job_id).then(() => undefined, jobFailureOf);
  assert.deepEqual({ type: failure?.type, step: failure?.step }, { type: 'TaskFailed', step: 'executeTask' });
  const webhook = await h.receiver.waitFor(job.job_id);
  assert.equal((webhook.body as { error: { step: string } }).error.step, 'executeTask');
});
