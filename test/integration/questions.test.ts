import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  answerQuestion,
  cancelJob,
  getJob,
  jobFailureOf,
  startJob,
  waitForJob,
} from '../../src/client-library';
import { waitingQuery, workflowIdFor, type OpenQuestion } from '../../src/contract';
import { startSellerCentre, type SellerCentre } from '../../src/demo/seller-centre';
import { createRedisLeaseStore, type LeaseStore } from '../../src/lease';
import { createEncryptionCodec, createKeyRing } from '../../src/payload-codec';
import { DEFAULT_POLICY_BOUNDS } from '../../src/policies';
import { createLogger } from '../../src/telemetry';
import { progressQuery } from '../../src/workflows';
import { runCliHere } from '../helpers/cli';
import { loopbackCredential } from '../helpers/credentials';
import { startHarness, type Harness } from '../helpers/harness';
import { memorySpans } from '../helpers/memory-spans';
import { fastPolicies } from '../helpers/policies';
import { decodedHistoryText } from '../helpers/history';
import { TEST_PAYLOAD_KEY, testPayloadEnv } from '../helpers/payload';
import { processesMatching, waitUntil } from '../helpers/processes';
import { redisForTest, type TestRedis } from '../helpers/redis';
import { runCli, startWorkerProcess, TEST_WORKER } from '../helpers/spawn';

// Issue 36 on real parts: a task asks a person (ctx.ask) and waits, its browser open, while the job
// shows the question; an operator answers through the real CLI. Real dev server, real Chromium.
const CODE = 'otp-planted-480913';
let h: Harness;
/** The Redis lease store the harness worker shares with the worker processes a test starts (host-b). */
let redis: TestRedis;
let leases: LeaseStore;
/** host-b's data dir: its embedded launcher's browsers outlive a SIGKILL of it, and are found by it. */
let dir: string;
/** The demo seller centre with an account that asks for a one-time code on sign-in; the codes it sent. */
let site: SellerCentre;
const sentCodes: string[] = [];
const logLines: string[] = [];
/** Every span of the worker and the workflows, kept in memory to be searched for the secret answer. */
const { spans, telemetry } = memorySpans();

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mlx-questions-'));
  redis = await redisForTest();
  leases = createRedisLeaseStore(redis.url, redis.prefix);
  site = await startSellerCentre({
    accounts: { 'otp-owner': { password: 'otp-owner-password', one_time_code: true } },
    sendCode: (_, code) => sentCodes.push(code),
  });
  h = await startHarness({
    secrets: {
      'shop-otp': loopbackCredential(site.url, { username: 'otp-owner', password: 'otp-owner-password' }),
    },
    log: createLogger({ level: 'debug', write: (line) => logLines.push(line) }),
    telemetry,
    leases,
  });
});
after(async () => {
  for (const pid of processesMatching(dir)) process.kill(pid, 'SIGKILL');
  await h?.close();
  await site?.close();
  await leases?.close();
  await redis?.stop();
  await telemetry.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

const asks = (timeout_ms: number) => ({ name: 'asks_for_code', input: { timeout_ms } });

/** The question the job waits on, once it asks. */
async function asked(jobId: string, on?: string): Promise<OpenQuestion> {
  let question: OpenQuestion | undefined;
  await waitUntil(
    async () => {
      question = (await getJob(h.client, jobId)).progress?.question;
      return question !== undefined && (on === undefined || question.worker_id === on);
    },
    // A bound for failing, not a wait: a worker process and its browser start first on a busy machine.
    60_000,
    `${jobId} asks${on ? ` on ${on}` : ''}`,
  );
  return question!;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The events on a job's span once it ended: what the job tells of its questions. */
async function questionEvents(jobId: string): Promise<string[]> {
  const jobSpan = () =>
    spans.getFinishedSpans().find((s) => s.name === 'mlx.job.run' && s.attributes['mlx.job_id'] === jobId);
  await waitUntil(() => jobSpan() !== undefined, 15_000, `the span of ${jobId}`);
  return jobSpan()!.events.map((e) => `${e.name} ${String(e.attributes?.['mlx.question.id'])}`);
}

/**
 * The job's task asks on host-b, a worker process of its own (the harness worker is full meanwhile),
 * and host-b is killed (SIGKILL) while the task waits; the harness worker has room again after.
 * `heartbeatMs`: how long the job takes to notice that its host is gone.
 */
async function askedOnKilledHost(jobId: string, heartbeatMs: number): Promise<OpenQuestion> {
  const hostB = await startWorkerProcess(
    {
      ...h.server.env,
      MLX_TASK_QUEUE: h.taskQueue,
      MLX_WORKER_ID: 'host-b',
      MLX_DATA_DIR: dir,
      MLX_REDIS_URL: redis.url,
      MLX_REDIS_PREFIX: redis.prefix,
      MLX_LEASE_TTL_MS: '5000',
      MLX_WEBHOOK_UNSIGNED: 'true',
      MLX_WEBHOOK_ALLOW_HOSTS: '127.0.0.1:*',
      ...testPayloadEnv(h.dataDir),
    },
    undefined,
    TEST_WORKER,
  );
  const blockers = Array.from({ length: h.deps.slots.max }, (_, i) => `${jobId}-blocker-${i}`);
  for (const blocker of blockers)
    h.deps.slots.take({ job_id: blocker, profile_id: blocker, workflow_id: blocker, run_id: blocker });
  try {
    // Host steps give up on a silent host within seconds; the lease host-b held is taken again once it
    // expires, however many tries that takes.
    const fast = fastPolicies();
    const onHost = (step: 'startProfile' | 'cdpConnect' | 'executeTask' | 'stopProfile') => ({
      ...fast[step],
      schedule_to_start_ms: 3_000,
    });
    const policies = fastPolicies({
      acquireLease: { ...fast.acquireLease, retry: { ...fast.acquireLease.retry, maximum_attempts: 0 } },
      startProfile: onHost('startProfile'),
      cdpConnect: onHost('cdpConnect'),
      executeTask: { ...onHost('executeTask'), heartbeat_ms: heartbeatMs },
      stopProfile: onHost('stopProfile'),
    });
    await startJob(
      h.client,
      { ...h.jobFields(jobId), job_id: jobId, task: asks(60_000) },
      { ...h.startOptions, policy: { policies, bounds: DEFAULT_POLICY_BOUNDS }, deadLetterRetentionMs: 0 },
    );
    const question = await asked(jobId, 'host-b');
    hostB.child.kill('SIGKILL');
    await hostB.exited;
    return question;
  } finally {
    if (hostB.child.exitCode === null && hostB.child.signalCode === null) hostB.child.kill('SIGKILL');
    for (const blocker of blockers) h.deps.slots.free(blocker);
  }
}

test('a task asks a person; the answer given through the CLI reaches it and the job completes', async () => {
  const jobId = 'ask-answered';
  await h.submit({ job_id: jobId, task: asks(60_000) });
  const question = await asked(jobId);
  assert.equal(question.kind, 'otp');
  assert.equal(question.prompt, "Code sent to the shop owner's phone");
  assert.equal(question.secret, true);
  assert.ok(Date.parse(question.until) - Date.parse(question.since) === 60_000, 'the task’s timeout');
  // Found where operators look: the search attribute, `mlx-jobs questions`, the run's details.
  await waitUntil(
    async () =>
      (await h.client.workflow.count(`${waitingQuery('person')} AND MlxJobId = '${jobId}'`)).count === 1,
    15_000,
    'MlxWaitingFor = person',
  );
  const listed = await runCliHere(['questions', '--platform', 'shopee_my', '--json'], h.cliEnv);
  assert.equal(listed.code, 0, listed.stderr);
  const questions = JSON.parse(listed.stdout) as { job_id: string; question_id: string }[];
  assert.deepEqual(
    questions.filter((q) => q.job_id === jobId).map((q) => q.question_id),
    [question.question_id],
  );
  const none = await runCliHere(['questions', '--client', 'client-nobody'], h.cliEnv);
  assert.equal(none.stdout.trim(), 'no job waits for an answer');
  const details = await h.client.workflow
    .getHandle(workflowIdFor(jobId))
    .query('__temporal_workflow_metadata');
  assert.match(
    JSON.stringify(details),
    /waiting for a person: otp.*mlx-jobs answer ask-answered/,
    "the run's details",
  );
  // The real CLI process, the answer on stdin (never an argument).
  const answered = await runCli(['answer', jobId, '--stdin'], h.cliEnv, `${CODE}\n`);
  assert.equal(answered.code, 0, answered.stderr);
  assert.match(answered.stdout, /answered question q1 of job ask-answered: the task has it/);
  assert.match(answered.stderr, /job ask-answered asks \(otp, question q1\): Code sent/);
  const result = await waitForJob(h.client, jobId);
  assert.deepEqual(result.output, { answer_sha256: sha256(CODE) }, 'the task typed the answer given');
  // Asked nothing now: a second answer is refused, with why.
  const again = await runCliHere(['answer', jobId, '--stdin'], h.cliEnv);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /refused: job ask-answered has ended \(COMPLETED\): it asks nothing/);
  assert.deepEqual(
    await questionEvents(jobId),
    ['mlx.question.asked q1', 'mlx.question.answered q1'],
    "the job's span tells of the question",
  );

  // The secret answer: typed by the task, logged by it on purpose, put in a span attribute by it; the
  // worker redacts it from all of that, and history holds it only encrypted.
  assert.ok(
    logLines.some((l) => l.includes('typed the code')),
    'the task logged its line',
  );
  const codec = createEncryptionCodec(createKeyRing([TEST_PAYLOAD_KEY]));
  const { raw, decoded } = await decodedHistoryText(h.client, jobId, codec);
  assert.ok(decoded.includes(CODE), 'decoded, the history holds the recorded answer');
  const webhook = await h.receiver.waitFor(jobId);
  assert.equal((webhook.body as { status: string }).status, 'completed');
  const texts = {
    'webhook body': JSON.stringify(webhook),
    'raw history': raw,
    'worker log': logLines.join('\n'),
    spans: JSON.stringify(
      spans.getFinishedSpans().map((s) => ({ name: s.name, attributes: s.attributes, events: s.events })),
    ),
    'CLI output': answered.stdout + answered.stderr,
  };
  const hits = Object.entries(texts).filter(
    ([, text]) => text.includes(CODE) || text.includes(CODE.slice(4)),
  );
  assert.deepEqual(
    hits.map(([where]) => where),
    [],
  );
});

test('a question nobody answers ends the task as HumanAnswerTimeout, and the job asks nothing after', async () => {
  const jobId = 'ask-timeout';
  await h.submit({ job_id: jobId, task: asks(1_500) });
  await asked(jobId);
  const failure = await waitForJob(h.client, jobId).then(
    () => assert.fail('the job completed'),
    (err: unknown) => jobFailureOf(err),
  );
  assert.equal(failure.type, 'HumanAnswerTimeout');
  assert.equal(failure.step, 'executeTask');
  const { progress } = await getJob(h.client, jobId);
  assert.equal(progress?.question, undefined);
  assert.equal(progress?.last_question?.closed, 'timed out');
  assert.equal(
    progress?.steps.filter((s) => s.step === 'executeTask').length,
    1,
    'not retried: a person who did not answer is asked again only by an operator',
  );
});

test('a job cancelled while its task waits for an answer stops its profile and asks nothing', async () => {
  const jobId = 'ask-cancelled';
  await h.submit({ job_id: jobId, task: asks(60_000) });
  await asked(jobId);
  await cancelJob(h.client, jobId);
  await assert.rejects(waitForJob(h.client, jobId), /cancel/i);
  const { progress } = await getJob(h.client, jobId);
  assert.equal(progress?.question, undefined);
  assert.equal(progress?.steps.find((s) => s.step === 'executeTask')?.status, 'cancelled');
  assert.equal(progress?.steps.find((s) => s.step === 'stopProfile')?.status, 'completed');
  await waitUntil(
    async () =>
      (await h.client.workflow.count(`${waitingQuery('person')} AND MlxJobId = '${jobId}'`)).count === 0,
    15_000,
    'no longer waiting for a person',
  );
  const refused = await runCliHere(['answer', jobId, '--stdin'], h.cliEnv);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /refused: job ask-cancelled has ended/);
});

test('two operators answer at once: one answer is taken, the other refused as already answered', async () => {
  const jobId = 'ask-twice';
  await h.submit({ job_id: jobId, task: asks(60_000) });
  const { question_id } = await asked(jobId);
  // Two real CLI processes, started together.
  const given = ['first-answer-1111', 'second-answer-2222'];
  const runs = await Promise.all(given.map((a) => runCli(['answer', jobId, '--stdin'], h.cliEnv, `${a}\n`)));
  const taken = runs.flatMap((r, i) => (r.code === 0 ? [given[i]!] : []));
  assert.equal(taken.length, 1, runs.map((r) => r.stdout + r.stderr).join('\n'));
  const refused = runs.find((r) => r.code !== 0)!;
  assert.equal(refused.code, 1);
  // Refused by the job (both asked the same open question) or before asking it (the other had answered
  // already, and the job may even have completed with that answer): either way it says the question was
  // answered.
  assert.match(
    refused.stderr,
    new RegExp(
      `refused: job ask-twice(:| asks nothing now:| has ended \\(COMPLETED\\): it asks nothing:) question ${question_id} was (already )?answered`,
    ),
  );
  const result = await waitForJob(h.client, jobId);
  assert.deepEqual(result.output, { answer_sha256: sha256(taken[0]!) }, 'the task got the answer taken');
  // What a third operator is told: the job asks nothing, its question was answered, and when.
  const { last_question } = await h.client.workflow.getHandle(workflowIdFor(jobId)).query(progressQuery);
  assert.deepEqual({ ...last_question, at: undefined }, { question_id, closed: 'answered', at: undefined });
});

test('a worker killed while its task waits: the job moves to another worker, which asks again; answered there, it completes', async () => {
  const jobId = 'ask-host-killed';
  const first = await askedOnKilledHost(jobId, 3_000);
  // The job notices the lost host (no heartbeat) and closes its question: nobody can receive its answer.
  // The attempt on the harness worker asks anew, and that is the question an operator answers.
  const again = await asked(jobId, 'test-worker');
  assert.notEqual(again.question_id, first.question_id, 'a new question');
  const answered = await runCli(['answer', jobId, '--stdin'], h.cliEnv, 'code-after-the-move\n');
  assert.equal(answered.code, 0, answered.stderr);
  assert.match(
    answered.stdout,
    new RegExp(`answered question ${again.question_id} of job ${jobId}: the task has it`),
  );
  const result = await waitForJob(h.client, jobId);
  assert.equal(result.worker_id, 'test-worker');
  assert.deepEqual(result.output, { answer_sha256: sha256('code-after-the-move') });
  assert.deepEqual(await questionEvents(jobId), [
    `mlx.question.asked ${first.question_id}`,
    `mlx.question.closed ${first.question_id}`,
    `mlx.question.asked ${again.question_id}`,
    `mlx.question.answered ${again.question_id}`,
  ]);
});

test('an answer given while the asking host is being lost is kept: the attempt on the next worker gets it without asking', async () => {
  const jobId = 'ask-host-lost-answered';
  // The job notices the lost host only after 8 s without a heartbeat: the answer comes before that.
  const question = await askedOnKilledHost(jobId, 8_000);
  const reply = await answerQuestion(h.client, jobId, question.question_id, 'code-while-lost');
  assert.equal(reply.question_id, question.question_id);
  const result = await waitForJob(h.client, jobId);
  assert.equal(result.worker_id, 'test-worker', 'completed on the other worker');
  assert.deepEqual(result.output, { answer_sha256: sha256('code-while-lost') }, 'with the recorded answer');
  assert.deepEqual(
    await questionEvents(jobId),
    [
      `mlx.question.asked ${question.question_id}`,
      `mlx.question.answered ${question.question_id}`,
      `mlx.question.answer_redelivered ${question.question_id}`,
    ],
    'asked once, answered once, the answer handed to the next attempt',
  );
});

test('sync_orders against an account that asks for a one-time code: the job asks, the code given through mlx-jobs answer signs it in, and it completes', async () => {
  const jobId = 'sync-orders-otp';
  await h.submit({
    job_id: jobId,
    task: {
      name: 'sync_orders',
      input: { seller_centre_url: site.url, account: 'shop-otp', from: '2024-01-01', to: '2024-01-05' },
    },
  });
  const question = await asked(jobId);
  assert.equal(question.kind, 'otp');
  assert.equal(question.secret, true);
  assert.match(question.prompt, /one-time code .* credential "shop-otp"/i);
  assert.equal(sentCodes.length, 1, 'the seller centre sent one code, to the owner');
  // bin/mlx-jobs as an operator runs it, the code on stdin.
  const answered = await runCli(['answer', jobId, '--stdin'], h.cliEnv, `${sentCodes[0]}\n`, {
    testTasks: false,
  });
  assert.equal(answered.code, 0, answered.stderr);
  assert.match(answered.stdout, /the task has it/);
  const result = await waitForJob(h.client, jobId);
  const output = result.output as { count: number; export_count: number };
  assert.ok(output.count > 0, 'signed in with the code, it read the orders');
  assert.equal(output.export_count, output.count);
});
