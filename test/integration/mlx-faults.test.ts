/**
 * Every MLX fault, injected through the local launcher's fault switch, meets its intended behaviour in
 * a real job on a real Temporal server. The worker signs in to a (fake, strict) MLX cloud and the
 * launcher checks its bearer token, so the 401 → refresh path is the real one.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SpanStatusCode } from '@opentelemetry/api';
import { getJob, jobFailureOf, waitForJob } from '../../src/client-library';
import type { FaultRequest } from '../../src/launcher';
import { createLogger } from '../../src/telemetry';
import { createLauncherClient, createTokenSource, md5Hex } from '../../src/mlx';
import { startFakeMlxCloud, type FakeCloud } from '../helpers/fake-mlx-cloud';
import { startHarness, type Harness } from '../helpers/harness';
import { memorySpans } from '../helpers/memory-spans';
import { createEncryptionCodec, createKeyRing } from '../../src/payload-codec';
import { decodedHistoryText, lastAttemptOf } from '../helpers/history';
import { TEST_PAYLOAD_KEY } from '../helpers/payload';

const EMAIL = 'ops@agency.example';
const PASSWORD = 'integration-password-77';
const WORKSPACE = 'ws-integration';
const CORE_DOWNLOADING_DELAY_MS = 600;
const PROXY_MAX_ATTEMPTS = 3;

let cloud: FakeCloud;
let h: Harness;
const logLines: string[] = [];
/** Every span of the worker and the workflows, kept in memory to be searched for secrets. */
const { spans, telemetry } = memorySpans();

before(async () => {
  cloud = await startFakeMlxCloud({ email: EMAIL, password: PASSWORD, workspaceId: WORKSPACE });
  const tokens = createTokenSource({
    signIn: { cloudUrl: cloud.url, email: EMAIL, password: PASSWORD, workspaceId: WORKSPACE },
  });
  h = await startHarness({
    launcher: { faults: true, acceptsToken: (token) => cloud.acceptsToken(token) },
    launcherClient: (baseUrl) => createLauncherClient({ baseUrl, tokens, timeoutMs: 5_000 }),
    startRetry: { coreDownloadingDelayMs: CORE_DOWNLOADING_DELAY_MS, proxyMaxAttempts: PROXY_MAX_ATTEMPTS },
    log: createLogger({ level: 'debug', write: (line) => logLines.push(line) }),
    telemetry,
  });
});
after(async () => {
  await h?.close();
  await cloud?.close();
  await telemetry.shutdown();
});

/** The fault switch needs the launcher's token: the test signs in as an operator of its own. */
let operator: ReturnType<typeof createTokenSource>;

async function arm(profileId: string, fault: FaultRequest): Promise<void> {
  operator ??= createTokenSource({
    signIn: { cloudUrl: cloud.url, email: EMAIL, password: PASSWORD, workspaceId: WORKSPACE },
  });
  const post = (token: string | undefined) =>
    fetch(`${h.launcher.url}/_faults/p/${profileId}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(fault),
    });
  const token = await operator.current();
  let res = await post(token);
  // A test that revoked every token revoked the operator's too: sign in again.
  if (res.status === 401) res = await post(await operator.renew(token ?? ''));
  assert.equal(res.status, 200, await res.text());
}

/** Up to 8 startProfile attempts (the fast test policy allows 2). */
const startAttempts = { startProfile: { retry: { maximum_attempts: 8 } } };

/** The startProfile activity of a job: the attempt that ran last, its last failure, time from schedule to that start. */
async function startProfileRun(jobId: string) {
  const { attempt, lastFailure, waitedMs } = await lastAttemptOf(h.client, jobId, 'startProfile');
  return { attempt, lastFailureType: lastFailure?.applicationFailureInfo?.type ?? undefined, waitedMs };
}

test('LOCK_PROFILE_ERROR twice: startProfile is retried and the third attempt succeeds', async () => {
  await arm('profile-locked-1', { error: 'LOCK_PROFILE_ERROR', times: 2 });
  const job = await h.submit({ job_id: 'locked-1', policies: startAttempts });
  assert.deepEqual((await waitForJob(h.client, job.job_id)).output, { title: 'hello' });
  const run = await startProfileRun(job.job_id);
  assert.deepEqual(
    { attempt: run.attempt, last: run.lastFailureType },
    { attempt: 3, last: 'MlxProfileLocked' },
  );
});

test('CORE_DOWNLOADING_STARTED is waited out at the core-download interval, past the policy backoff', async () => {
  await arm('profile-core-1', { error: 'CORE_DOWNLOADING_STARTED', times: 3 });
  const job = await h.submit({ job_id: 'core-1', policies: startAttempts });
  await waitForJob(h.client, job.job_id);
  const run = await startProfileRun(job.job_id);
  assert.deepEqual(
    { attempt: run.attempt, last: run.lastFailureType },
    { attempt: 4, last: 'MlxCoreDownloading' },
  );
  assert.ok(
    run.waitedMs >= 3 * CORE_DOWNLOADING_DELAY_MS,
    `three waits of ${CORE_DOWNLOADING_DELAY_MS} ms (the policy would allow 100-400 ms): ${run.waitedMs} ms`,
  );
});

test('GET_PROXY_CONNECTION_IP_ERROR beyond its budget fails the job as MlxProxyFailed', async () => {
  await arm('profile-proxy-1', { error: 'GET_PROXY_CONNECTION_IP_ERROR', times: 10 });
  const job = await h.submit({ job_id: 'proxy-1', policies: startAttempts });
  const failure = await waitForJob(h.client, job.job_id).then(() => undefined, jobFailureOf);
  assert.deepEqual(
    { type: failure?.type, step: failure?.step },
    { type: 'MlxProxyFailed', step: 'startProfile' },
  );
  assert.match(failure?.message ?? '', /gave up after 3 attempts/);
  const run = await startProfileRun(job.job_id);
  assert.equal(
    run.attempt,
    PROXY_MAX_ATTEMPTS,
    'no attempt beyond the proxy budget, though the policy allows 8',
  );
  assert.equal((await getJob(h.client, job.job_id)).status, 'FAILED');
  assert.equal(h.launcher.runningProfiles().length, 0);
});

test('429 waits for Retry-After, not the policy interval', async () => {
  await arm('profile-429-1', { error: 'RATE_LIMITED', times: 1, retry_after_s: 2 });
  const job = await h.submit({ job_id: '429-1', policies: startAttempts });
  await waitForJob(h.client, job.job_id);
  const run = await startProfileRun(job.job_id);
  assert.deepEqual(
    { attempt: run.attempt, last: run.lastFailureType },
    { attempt: 2, last: 'MlxRateLimited' },
  );
  assert.ok(run.waitedMs >= 2_000, `Retry-After 2 s was respected: ${run.waitedMs} ms`);
});

test('PROFILE_ALREADY_RUNNING under our lease: stop and start again in the same attempt, then by retry', async () => {
  // Start 1 and 2 (the restart inside attempt 1) fail, start 3 in attempt 2 fails, its restart succeeds.
  await arm('profile-running-1', { error: 'PROFILE_ALREADY_RUNNING', times: 3 });
  const job = await h.submit({ job_id: 'running-1', policies: startAttempts });
  await waitForJob(h.client, job.job_id);
  const run = await startProfileRun(job.job_id);
  assert.deepEqual(
    { attempt: run.attempt, last: run.lastFailureType },
    { attempt: 2, last: 'MlxProfileAlreadyRunning' },
  );
});

test('the agent closing connections is MlxAgentDown, retried until it answers', async () => {
  await arm('profile-down-1', { error: 'AGENT_DOWN', times: 2 });
  const job = await h.submit({ job_id: 'down-1', policies: startAttempts });
  await waitForJob(h.client, job.job_id);
  const run = await startProfileRun(job.job_id);
  assert.deepEqual({ attempt: run.attempt, last: run.lastFailureType }, { attempt: 3, last: 'MlxAgentDown' });
});

test('a refused token is refreshed once and the start repeated; refused twice fails at once, MlxUnauthorized', async () => {
  const refreshes = cloud.counts.refresh;
  await arm('profile-auth-1', { error: 'UNAUTHORIZED', times: 1 });
  const ok = await h.submit({ job_id: 'auth-1', policies: startAttempts });
  await waitForJob(h.client, ok.job_id);
  assert.equal((await startProfileRun(ok.job_id)).attempt, 1, 'the refresh happened inside the attempt');
  assert.equal(cloud.counts.refresh, refreshes + 1);

  await arm('profile-auth-2', { error: 'UNAUTHORIZED', times: 2 });
  const bad = await h.submit({ job_id: 'auth-2', policies: startAttempts });
  const failure = await waitForJob(h.client, bad.job_id).then(() => undefined, jobFailureOf);
  assert.deepEqual(
    { type: failure?.type, step: failure?.step },
    { type: 'MlxUnauthorized', step: 'startProfile' },
  );
  assert.equal((await startProfileRun(bad.job_id)).attempt, 1, 'not retried');
});

test('no token, refresh token or password is in Temporal history, the spans or the worker log', async () => {
  // Its own jobs, so it runs alone: a token refused once (refreshed, the start repeated) and twice (failed).
  const marker = 'secrets-marker-4711';
  const refreshes = cloud.counts.refresh;
  await arm('profile-secrets-ok', { error: 'UNAUTHORIZED', times: 1 });
  await arm('profile-secrets-fail', { error: 'UNAUTHORIZED', times: 2 });
  const jobs = ['secrets-ok', 'secrets-fail'];
  for (const jobId of jobs) {
    await h.submit({ job_id: jobId, task: { name: 'read_title', input: { title: marker } } });
    await waitForJob(h.client, jobId).catch(() => undefined);
  }
  assert.ok(cloud.counts.refresh > refreshes, 'the worker refreshed its token during these jobs');
  const secrets = [...cloud.issued(), PASSWORD, md5Hex(PASSWORD)];
  assert.ok(cloud.issued().length >= 2, 'the worker held tokens');
  assert.ok(logLines.length > 0, 'the worker logged');
  const codec = createEncryptionCodec(createKeyRing([TEST_PAYLOAD_KEY]));
  for (const jobId of jobs) {
    const { raw, decoded } = await decodedHistoryText(h.client, jobId, codec);
    // Payloads are encrypted: only once decoded would a secret in them show, as the input does.
    assert.ok(decoded.includes(marker) && !raw.includes(marker), `${jobId}: the decoded history is searched`);
    assert.match(decoded, /MlxUnauthorized/, `${jobId}: the refused start is in what is searched`);
    for (const secret of secrets)
      assert.ok(!decoded.includes(secret), `a secret is in the history of ${jobId}`);
  }
  const log = logLines.join('\n');
  for (const secret of secrets) assert.ok(!log.includes(secret), 'a secret is in the worker log');

  const finished = spans.getFinishedSpans();
  const failedStarts = finished.filter(
    (s) => s.name === 'mlx.profile.start' && s.status.code === SpanStatusCode.ERROR,
  );
  assert.ok(failedStarts.length >= 1, `the refused start's span was recorded: ${failedStarts.length}`);
  const recorded = JSON.stringify(
    finished.map((s) => ({ name: s.name, attributes: s.attributes, status: s.status, events: s.events })),
  );
  for (const secret of secrets) assert.ok(!recorded.includes(secret), 'a secret is in a span');
});
