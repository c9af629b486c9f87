import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { answerQuestion, cancelJob, getJob, jobFailureOf, waitForJob } from '../../src/client-library';
import { waitingQuery, workflowIdFor, type OpenQuestion } from '../../src/contract';
import { createEncryptionCodec, createKeyRing } from '../../src/payload-codec';
import { createLogger } from '../../src/telemetry';
import { runCliHere } from '../helpers/cli';
import { startHarness, type Harness } from '../helpers/harness';
import { memorySpans } from '../helpers/memory-spans';
import { decodedHistoryText } from '../helpers/history';
import { TEST_PAYLOAD_KEY } from '../helpers/payload';
import { waitUntil } from '../helpers/processes';
import { runCli } from '../helpers/spawn';

// Issue 36 on real parts: a task asks a person (ctx.ask) and waits, its browser open, while the job
// shows the question; an operator answers through the real CLI. Real dev server, real Chromium.
const CODE = 'otp-planted-480913';
let h: Harness;
const logLines: string[] = [];
/** Every span of the worker and the workflows, kept in memory to be searched for the secret answer. */
const { spans, telemetry } = memorySpans();

before(async () => {
  h = await startHarness({
    log: createLogger({ level: 'debug', write: (line) => logLines.push(line) }),
    telemetry,
  });
});
after(async () => {
  await h?.close();
  await telemetry.shutdown();
});

const asks = (timeout_ms: number) => ({ name: 'asks_for_code', input: { timeout_ms } });

/** The question the job waits on, once it asks. */
async function asked(jobId: string): Promise<OpenQuestion> {
  let question: OpenQuestion | undefined;
  await waitUntil(
    async () => (question = (await getJob(h.client, jobId)).progress?.question) !== undefined,
    30_000,
    `${jobId} asks`,
  );
  return question!;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

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
  const jobSpan = () =>
    spans.getFinishedSpans().find((s) => s.name === 'mlx.job.run' && s.attributes['mlx.job_id'] === jobId);
  await waitUntil(() => jobSpan() !== undefined, 15_000, "the job's span");
  const job = jobSpan();
  assert.deepEqual(
    job?.events.map((e) => e.name),
    ['mlx.question.asked', 'mlx.question.answered'],
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
  const texts = {
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
  const given = ['first-answer-1111', 'second-answer-2222'];
  const settled = await Promise.allSettled(given.map((a) => answerQuestion(h.client, jobId, question_id, a)));
  const taken = settled.flatMap((r, i) => (r.status === 'fulfilled' ? [given[i]!] : []));
  assert.equal(taken.length, 1, 'exactly one answer is taken');
  const refused = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  assert.ok(refused?.reason instanceof WorkflowUpdateFailedError);
  assert.match(
    refused.reason.cause?.message ?? '',
    new RegExp(`job ask-twice: question ${question_id} was already answered`),
  );
  const result = await waitForJob(h.client, jobId);
  assert.deepEqual(result.output, { answer_sha256: sha256(taken[0]!) }, 'the task got the answer taken');
});
