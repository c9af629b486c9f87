import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { listDeadLetters } from '../../src/client-library';
import { getJob, jobFailureOf, JobParkedError, waitForJob } from '../../src/client-library';
import { startWebhookReceiver, type WebhookReceiver } from '../../src/demo/webhook-receiver';
import { freePort } from '../../src/dev/free-port';
import { workflowIdFor, SA } from '../../src/contract';
import { parkedAs } from '../helpers/failures';
import { startHarness, WEBHOOK_SECRET, type Harness } from '../helpers/harness';
import { assertPlaywrightTrace } from '../helpers/playwright-trace';
import { waitUntil } from '../helpers/processes';
import { runCliHere } from '../helpers/cli';
import { runCli } from '../helpers/spawn';
import { testPayloadEnv } from '../helpers/payload';
import { bannedAccounts } from '../helpers/test-tasks';

let h: Harness;
let env: NodeJS.ProcessEnv;
before(async () => {
  h = await startHarness();
  env = { ...h.server.env, OTEL_SDK_DISABLED: 'true', ...testPayloadEnv(h.dataDir) };
});
after(async () => {
  await h?.close();
});

const RETENTION = { deadLetterRetentionMs: 10 * 60_000 };

/** Submits a job whose account is banned until the test clears it, and waits until it is parked. */
async function parkBannedJob(jobId: string, platform = 'lazada_id'): Promise<JobParkedError> {
  bannedAccounts.add(`acct-${jobId}`);
  await h.submit(
    { job_id: jobId, platform, task: { name: 'banned_while_flagged', input: { account: `acct-${jobId}` } } },
    RETENTION,
  );
  const parked = await waitForJob(h.client, jobId).then(
    () => assert.fail('the job should not complete'),
    (err: unknown) => err,
  );
  assert.ok(parked instanceof JobParkedError, `waitForJob reports the parked job: ${String(parked)}`);
  return parked;
}

/**
 * `dlq show --evidence DIR` through the real CLI process gets the failed attempt's screenshot from the
 * claim-check store, where the worker kept it encrypted, not from the worker's disk (removed first).
 */
async function evidenceFetchedFromTheStore(jobId: string): Promise<void> {
  const failure = (await getJob(h.client, jobId)).progress?.dead_letter?.failure;
  const local = failure?.evidence?.screenshot;
  const [stored] = failure?.evidence?.stored ?? [];
  assert.ok(
    local && stored,
    `the failure names its screenshot and where it is kept: ${JSON.stringify(failure)}`,
  );
  const png = readFileSync(local);
  assert.equal(png.subarray(1, 4).toString(), 'PNG');
  const blob = readFileSync(join(h.dataDir, 'blobs', 'objects', stored.key));
  assert.equal(blob.indexOf(png.subarray(0, 64)), -1, 'the store holds it encrypted');
  rmSync(local);
  const dir = join(mkdtempSync(join(tmpdir(), 'mlx-evidence-')), 'fetched');
  const show = await runCli(['dlq', 'show', jobId, '--evidence', dir], env);
  assert.equal(show.code, 0, show.stderr);
  const written = join(dir, basename(local));
  assert.ok(show.stdout.includes(`evidence: ${written}`), show.stdout);
  assert.ok(show.stdout.includes(`mlx-jobs dlq show ${jobId} --evidence DIR`), 'and says how to fetch it');
  assert.deepEqual(readFileSync(written), png, 'the screenshot as the worker took it');
  assert.equal(statSync(written).mode & 0o777, 0o600);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  // The attempt's Playwright trace is in the same evidence record: fetched with it.
  const trace = join(dir, basename(failure.evidence?.trace ?? 'no trace'));
  assert.ok(show.stdout.includes(`evidence: ${trace}`), show.stdout);
  assertPlaywrightTrace(trace);
}

async function listed(filter: Parameters<typeof listDeadLetters>[1]): Promise<string[]> {
  return (await listDeadLetters(h.client, filter)).map((d) => d.job_id);
}

test('a non-retryable failure is compensated, reported and parked with its search attributes', async () => {
  const parked = await parkBannedJob('dlq-park');
  assert.deepEqual(
    {
      kind: parked.deadLetter.kind,
      type: parked.deadLetter.failure.type,
      step: parked.deadLetter.failure.step,
    },
    { kind: 'job', type: 'PlatformBanned', step: 'executeTask' },
  );
  assert.equal(parked.deadLetter.webhook_delivered, true);
  assert.equal(h.launcher.runningProfiles().length, 0, 'the profile was stopped');
  assert.deepEqual(await h.deps.leases.list(), [], 'the lease was released');
  const webhook = await h.receiver.waitFor('dlq-park');
  assert.equal((webhook.body as { status: string }).status, 'failed');

  const description = await h.client.workflow.getHandle(workflowIdFor('dlq-park')).describe();
  assert.equal(description.status.name, 'RUNNING', 'parked, not closed');
  const attributes = description.typedSearchAttributes;
  assert.deepEqual(
    [SA.jobId, SA.platform, SA.clientId, SA.deadLetter, SA.failureType, SA.failedStep].map((key) =>
      attributes.get(key),
    ),
    ['dlq-park', 'lazada_id', 'client-42', true, 'PlatformBanned', 'executeTask'],
  );
  const status = await getJob(h.client, 'dlq-park');
  assert.equal(status.progress?.state, 'dead_letter');
});

test('dlq list finds parked jobs by platform and type; dlq retry after the fault is cleared completes them', async () => {
  await parkBannedJob('dlq-retry', 'shopee_vn');
  // Visibility is eventually consistent: wait until the parked job is searchable.
  await waitUntil(async () => (await listed({ platform: 'shopee_vn' })).includes('dlq-retry'), 15_000);
  assert.ok((await listed({ failureType: 'PlatformBanned' })).includes('dlq-retry'));
  assert.ok(!(await listed({ platform: 'shopee_th' })).includes('dlq-retry'), 'other platforms filtered');
  assert.ok(!(await listed({ failureType: 'TaskFailed' })).includes('dlq-retry'), 'other types filtered');

  const list = await runCliHere(['dlq', 'list', '--platform', 'shopee_vn', '--type', 'PlatformBanned'], env);
  assert.equal(list.code, 0, list.stderr);
  assert.match(
    list.stdout,
    /dlq-retry {2}run [0-9a-f-]{36} {2}shopee_vn {2}client client-42 {2}PlatformBanned at executeTask/,
  );
  const show = await runCliHere(['dlq', 'show', 'dlq-retry'], env);
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, /DEAD LETTER \(the job failed\)/);
  assert.match(show.stdout, /failure: PlatformBanned at executeTask: account acct-dlq-retry is suspended/);
  await evidenceFetchedFromTheStore('dlq-retry');
  // Where the failed attempt's evidence lies on the worker: its screenshot and its Playwright trace.
  assert.match(show.stdout, /^ {2}screenshot: \S+\/dlq-retry-attempt1\.png \(on the worker\)$/m);
  assert.match(
    show.stdout,
    /^ {2}playwright trace: \S+\/dlq-retry-attempt1\.zip \(on the worker; npx playwright show-trace\)$/m,
  );

  bannedAccounts.delete('acct-dlq-retry');
  const retry = await runCliHere(['dlq', 'retry', 'dlq-retry', '--reason', 'account reinstated'], env);
  assert.equal(retry.code, 0, retry.stderr);
  const result = await waitForJob(h.client, 'dlq-retry');
  assert.deepEqual(result.output, { account: 'acct-dlq-retry', profile_id: 'profile-dlq-retry' });

  const delivered = h.receiver
    .arrivals()
    .filter((d) => (d.body as { job_id: string }).job_id === 'dlq-retry');
  const submission = (delivered[0]?.body as { run_id: string }).run_id;
  assert.deepEqual(
    delivered.map((d) => d.headers['idempotency-key']),
    [`dlq-retry:${submission}:failed`, `dlq-retry:${submission}:completed:retry-1`],
    'the failure, then the outcome of the retry, each sent once, keyed by the submission',
  );
  const attributes = (await h.client.workflow.getHandle(workflowIdFor('dlq-retry')).describe())
    .typedSearchAttributes;
  assert.equal(attributes.get(SA.deadLetter), false);
  assert.equal(attributes.get(SA.failureType), undefined, 'the old failure does not stick to the retry');
});

test('a retry may move the job to another profile and amend its input; bad amendments are refused and lose nothing', async () => {
  await parkBannedJob('dlq-amend');
  const badProfile = await runCliHere(['dlq', 'retry', 'dlq-amend', '--profile', 'bad profile!'], env);
  assert.equal(badProfile.code, 2, badProfile.stdout);
  assert.match(badProfile.stderr, /profile_id may hold letters/);
  const badInput = await runCli(['dlq', 'retry', 'dlq-amend', '--input', '-'], env, '["acct-x"]');
  assert.equal(badInput.code, 2, badInput.stdout);
  assert.match(badInput.stderr, /task_input/);
  assert.equal((await getJob(h.client, 'dlq-amend')).progress?.state, 'dead_letter', 'still parked');

  const input = JSON.stringify({ account: 'acct-spare' });
  const retry = await runCli(
    ['dlq', 'retry', 'dlq-amend', '--profile', 'profile-spare', '--input', '-'],
    env,
    input,
  );
  assert.equal(retry.code, 0, retry.stderr);
  const result = await waitForJob(h.client, 'dlq-amend');
  assert.deepEqual(result.output, { account: 'acct-spare', profile_id: 'profile-spare' });
});

test('dlq discard closes the job as failed with the reason; a job that is not parked refuses both', async () => {
  await parkBannedJob('dlq-discard');
  const noReason = await runCli(['dlq', 'discard', 'dlq-discard'], env);
  assert.equal(noReason.code, 2);
  assert.match(noReason.stderr, /--reason/);

  const discard = await runCliHere(
    ['dlq', 'discard', 'dlq-discard', '--reason', 'client closed the shop'],
    env,
  );
  assert.equal(discard.code, 0, discard.stderr);
  const closed = await waitForJob(h.client, 'dlq-discard').catch((err: unknown) => err);
  assert.ok(closed instanceof WorkflowFailedError);
  assert.deepEqual(jobFailureOf(closed).dead_letter, {
    outcome: 'discarded',
    reason: 'client closed the shop',
  });
  const status = await runCliHere(['status', 'dlq-discard'], env);
  assert.equal(status.code, 1, 'status exits 1 for a job that failed');
  assert.match(
    status.stdout,
    /FAILED[\s\S]*PlatformBanned[\s\S]*discarded by an operator: client closed the shop/,
  );

  // A closed job refuses a retry, saying it is closed; the same discard again is answered, not re-applied.
  const retry = await runCliHere(['dlq', 'retry', 'dlq-discard'], env);
  assert.equal(retry.code, 2);
  assert.match(
    retry.stderr.trim(),
    /^mlx-jobs: job dlq-discard is closed \(run \S+ failed\): there is nothing to retry$/,
  );
  const again = await runCliHere(['dlq', 'discard', 'dlq-discard', '--reason', 'again'], env);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /was already discarded: nothing changed/);
  assert.deepEqual(
    jobFailureOf(await waitForJob(h.client, 'dlq-discard').catch((e: unknown) => e)).dead_letter,
    {
      outcome: 'discarded',
      reason: 'client closed the shop',
    },
  );
});

test('dlq retry acts on the run the operator names; repeating it is answered, not applied to the next run', async () => {
  await parkBannedJob('dlq-target');
  const parkedRun = (await getJob(h.client, 'dlq-target')).run_id;
  const missing = await runCliHere(['dlq', 'retry', 'dlq-target', '--input', '/nonexistent/input.json'], env);
  assert.equal(missing.code, 2);
  assert.equal(missing.stderr.trim().split('\n').length, 1, missing.stderr);
  assert.match(missing.stderr, /--input \/nonexistent\/input.json: cannot read it \(ENOENT\)/);

  // Still banned: the retried run parks again, as a new run of the same job.
  const first = await runCliHere(['dlq', 'retry', 'dlq-target', '--run', parkedRun], env);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, new RegExp(`\\(run ${parkedRun}\\): retry accepted`));
  await waitUntil(
    async () => {
      const now = await getJob(h.client, 'dlq-target');
      return now.run_id !== parkedRun && now.progress?.state === 'dead_letter';
    },
    30_000,
    'the retried run to park again',
  );
  const repeated = await runCliHere(['dlq', 'retry', 'dlq-target', '--run', parkedRun], env);
  assert.equal(repeated.code, 0, repeated.stderr);
  assert.match(repeated.stdout, /was already retried: nothing changed/);
  const latest = await getJob(h.client, 'dlq-target');
  assert.equal(latest.progress?.dead_letter?.retries, 1, 'the second run was not retried by the repeat');
  bannedAccounts.delete('acct-dlq-target');
  await runCliHere(['dlq', 'discard', 'dlq-target', '--reason', 'done with the test'], env);
});

test('a job_id submitted again after a discard reports under a new idempotency key', async () => {
  await parkBannedJob('dlq-resubmit');
  await runCliHere(['dlq', 'discard', 'dlq-resubmit', '--reason', 'first submission'], env);
  await waitForJob(h.client, 'dlq-resubmit').catch(() => undefined);
  await parkBannedJob('dlq-resubmit');
  const keys = h.receiver
    .arrivals()
    .filter((d) => (d.body as { job_id: string }).job_id === 'dlq-resubmit')
    .map((d) => d.headers['idempotency-key']);
  assert.equal(keys.length, 2, 'both failure reports arrived');
  assert.notEqual(keys[0], keys[1]);
  assert.deepEqual(
    h.receiver.deliveries().filter((d) => (d.body as { job_id: string }).job_id === 'dlq-resubmit').length,
    2,
    'and neither was dropped as a repeat',
  );
  await runCliHere(['dlq', 'discard', 'dlq-resubmit', '--reason', 'done with the test'], env);
});

test('a dead letter nobody acts on closes as failed when its retention ends', async () => {
  bannedAccounts.add('acct-dlq-expire');
  await h.submit(
    { job_id: 'dlq-expire', task: { name: 'banned_while_flagged', input: { account: 'acct-dlq-expire' } } },
    { deadLetterRetentionMs: 1_500 },
  );
  await assert.rejects(waitForJob(h.client, 'dlq-expire'), JobParkedError);
  const closed: unknown = await h.client.workflow
    .getHandle(workflowIdFor('dlq-expire'))
    .result()
    .then(
      () => assert.fail('an expired dead letter closes as failed'),
      (err: unknown) => err,
    );
  assert.equal(jobFailureOf(closed).type, 'PlatformBanned');
  assert.deepEqual(jobFailureOf(closed).dead_letter, { outcome: 'expired' });
});

test('a report that cannot be delivered parks the job with its result; dlq retry redelivers it', async () => {
  const port = await freePort();
  await h.submit(
    {
      job_id: 'dlq-webhook',
      callback_url: `http://127.0.0.1:${port}/hooks`,
      policies: { postWebhook: { retry: { initial_interval_ms: 100, maximum_attempts: 2 } } },
    },
    RETENTION,
  );
  const parked = await waitForJob(h.client, 'dlq-webhook').catch((err: unknown) => err);
  assert.deepEqual(parkedAs(parked), { kind: 'webhook', type: 'WebhookUnavailable', step: 'postWebhook' });
  const amend = await runCliHere(['dlq', 'retry', 'dlq-webhook', '--profile', 'profile-other'], env);
  assert.equal(amend.code, 2, 'a finished job cannot be amended, only redelivered');

  let receiver: WebhookReceiver | undefined;
  try {
    receiver = await startWebhookReceiver({ port, secret: WEBHOOK_SECRET });
    const retry = await runCliHere(['dlq', 'retry', 'dlq-webhook'], env);
    assert.equal(retry.code, 0, retry.stderr);
    const result = await waitForJob(h.client, 'dlq-webhook');
    assert.deepEqual(result.output, { title: 'hello' }, 'the kept result');
    const delivery = await receiver.waitFor('dlq-webhook');
    assert.deepEqual((delivery.body as { output: unknown }).output, { title: 'hello' });
    assert.equal(receiver.arrivals().length, 1, 'sent once, not deduplicated into one');
  } finally {
    await receiver?.close();
  }
});

test('retries used up, or the job deadline passed, park the job too', async () => {
  await h.submit({ job_id: 'dlq-attempts', task: { name: 'always_fails', input: {} } }, RETENTION);
  const exhausted = await waitForJob(h.client, 'dlq-attempts').catch((err: unknown) => err);
  assert.ok(exhausted instanceof JobParkedError, String(exhausted));
  assert.equal(exhausted.deadLetter.failure.type, 'TaskFailed');

  // Long enough that the deadline passes during the task even when a loaded machine starts it slowly.
  await h.submit(
    { job_id: 'dlq-deadline', deadline_ms: 10_000, task: { name: 'wait_until_cancelled', input: {} } },
    RETENTION,
  );
  const late = await waitForJob(h.client, 'dlq-deadline').catch((err: unknown) => err);
  assert.ok(late instanceof JobParkedError, String(late));
  assert.deepEqual(
    { type: late.deadLetter.failure.type, step: late.deadLetter.failure.step },
    { type: 'JobDeadlineExceeded', step: 'executeTask' },
  );
  assert.equal(h.launcher.runningProfiles().length, 0, 'the profile was stopped');
  assert.deepEqual(await h.deps.leases.list(), [], 'the lease was released');
});
