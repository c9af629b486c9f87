import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { workflowMetadataQuery } from '@temporalio/workflow';
import { fetchTrace, getJob, traceIsWhole, waitForJob, type TraceSpan } from '../../src/client-library';
import { runCli } from '../../src/cli/run-cli';
import { workflowIdFor } from '../../src/contract';
import { startTelemetry, type Telemetry } from '../../src/telemetry';
import { createEncryptionCodec, createKeyRing } from '../../src/payload-codec';
import { startHarness, type Harness } from '../helpers/harness';
import { TEST_PAYLOAD_KEY, testPayloadEnv } from '../helpers/payload';
import { startJaeger, type Jaeger } from '../helpers/jaeger';
import { once } from '../helpers/once';
import { waitUntil } from '../helpers/processes';
import { bannedAccounts } from '../helpers/test-tasks';

// What an operator sees of a job in the Temporal UI (user metadata) and in its trace (a real Jaeger),
// and the commands that act on it (the CLI in this process, exporting its spans like the worker).
let jaeger: Jaeger;
let telemetry: Telemetry;
let h: Harness;

before(async () => {
  jaeger = await startJaeger();
  // OTLP over gRPC when asked (the default, http/protobuf, is what the other traced files use).
  Object.assign(process.env, {
    OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpGrpcEndpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
  });
  telemetry = startTelemetry({ serviceName: 'mlx-worker', attributes: { 'worker.id': 'test-worker' } });
  h = await startHarness({ telemetry });
  // The in-process CLI reads the environment: the harness's server, and its payload key (payloads are encrypted).
  Object.assign(process.env, {
    ...h.server.env,
    MLX_TRACE_QUERY_URL: jaeger.queryUrl,
    ...testPayloadEnv(h.dataDir),
  });
});
after(async () => {
  await h?.close();
  await telemetry?.shutdown();
  await jaeger?.stop();
});

async function spansOf(traceId: string, until: (spans: TraceSpan[]) => boolean, what: string) {
  let spans: TraceSpan[] = [];
  await waitUntil(
    async () => {
      await telemetry.spanProcessor.forceFlush();
      spans = await fetchTrace(jaeger.queryUrl, traceId);
      return until(spans);
    },
    30_000,
    what,
  );
  return spans;
}

const metadata = (jobId: string) =>
  h.client.workflow.getHandle(workflowIdFor(jobId)).query(workflowMetadataQuery);

/** The activities' summaries, decrypted as the Temporal UI shows them through the codec endpoint. */
async function activitySummaries(jobId: string): Promise<string[]> {
  const history = await h.client.workflow.getHandle(workflowIdFor(jobId)).fetchHistory();
  const codec = createEncryptionCodec(createKeyRing([TEST_PAYLOAD_KEY]));
  const summaries = (history.events ?? [])
    .filter((e) => e.activityTaskScheduledEventAttributes)
    .map((e) => e.userMetadata?.summary);
  return Promise.all(
    summaries.map(async (summary) => {
      if (!summary?.data) return '';
      const [plain] = await codec.decode([summary]);
      return JSON.parse(Buffer.from(plain!.data!).toString('utf8')) as string;
    }),
  );
}

// The jobs of this file, each run by whichever test needs it first.
/** A job that completed. */
const okJob = once(async () => {
  const job = await h.submit({ job_id: 'views-ok' });
  await waitForJob(h.client, job.job_id);
  return job;
});
/** A job parked as a dead letter (its account suspended). */
const parkedJob = once(async () => {
  bannedAccounts.add('views-1');
  const job = await h.submit(
    { job_id: 'views-parked', task: { name: 'banned_while_flagged', input: { account: 'views-1' } } },
    { deadLetterRetentionMs: 600_000 },
  );
  await waitUntil(async () => (await getJob(h.client, job.job_id)).progress?.state === 'dead_letter', 30_000);
  return job;
});
/** That job retried by an operator (`dlq retry`, the account reinstated) and completed. */
const retriedJob = once(async () => {
  const job = await parkedJob();
  bannedAccounts.delete('views-1');
  const out: string[] = [];
  assert.equal(
    await runCli(['dlq', 'retry', job.job_id, '--reason', 'account reinstated'], (l) => out.push(l)),
    0,
  );
  await waitForJob(h.client, job.job_id);
  return job;
});

test('the Temporal UI shows what a run is, the step it runs and its trace; each activity names profile and worker', async () => {
  const job = await okJob();
  const handle = h.client.workflow.getHandle(job.workflow_id);
  const description = await handle.describe();
  assert.equal(await description.staticSummary(), 'read_title · shopee_my · client client-42');
  const details = (await description.staticDetails()) ?? '';
  assert.match(details, /- job: `views-ok` \(`mlx-jobs status views-ok`\)/);
  assert.match(details, /- trace: `[0-9a-f]{32}` \(`mlx-jobs trace views-ok`\)/);
  const { trace_id } = await getJob(h.client, job.job_id);
  assert.ok(details.includes(trace_id!), 'the static details name the trace the run is in');
  const current = (await metadata(job.job_id)).currentDetails ?? '';
  assert.match(current, /^\*\*completed\*\*/);
  assert.ok(current.includes(`trace \`${trace_id}\``));
  const summaries = await activitySummaries(job.job_id);
  assert.equal(summaries[0], 'acquireLease · profile profile-views-ok');
  assert.ok(
    summaries.includes('startProfile · profile profile-views-ok · worker test-worker'),
    summaries.join(),
  );
  assert.equal(summaries.at(-1), 'postWebhook · profile profile-views-ok');
});

test('a parked job: its details say "dead letter" and how to act; its trace has no missing parent while it waits', async () => {
  const job = await parkedJob();
  const current = (await metadata(job.job_id)).currentDetails ?? '';
  assert.match(current, /^\*\*dead letter: PlatformBanned at executeTask\*\*/);
  assert.match(current, /account views-1 is suspended/);
  assert.match(current, /- retry: `mlx-jobs dlq retry views-parked`/);
  assert.match(current, /- discard: `mlx-jobs dlq discard views-parked --reason "…"`/);

  const { trace_id, trace_span_id } = await getJob(h.client, job.job_id);
  const parked = await spansOf(
    trace_id!,
    (spans) => spans.some((s) => s.name === 'mlx.job.run') && spans.some((s) => s.name === 'mlx.job.submit'),
    'the parked job spans in Jaeger',
  );
  const ids = new Set(parked.map((s) => s.spanId));
  const orphans = parked.filter((s) => s.parentSpanId && !ids.has(s.parentSpanId)).map((s) => s.name);
  assert.deepEqual(orphans, [], 'every exported span of the parked job has its parent exported');
  assert.ok(traceIsWhole(parked));
  const run = parked.find((s) => s.name === 'mlx.job.run')!;
  assert.equal(run.spanId, trace_span_id, "the memo names the job span (for operators' links)");
  assert.equal(parked.find((s) => s.spanId === run.parentSpanId)?.name, 'StartWorkflow:runJob');
  assert.equal(run.attributes['mlx.outcome'], 'failed');
  assert.ok(
    !parked.some((s) => s.name === 'RunWorkflow:runJob'),
    'RunWorkflow arrives only when the run closes',
  );

  // The operator retries: the command's span links to the job; the new run reads as a retry of the first.
  await retriedJob();
  const retried = await spansOf(
    trace_id!,
    (spans) => spans.some((s) => s.name === 'mlx.job.retry' && s.attributes['mlx.outcome'] === 'completed'),
    'the retried run in the same trace',
  );
  assert.equal(retried.filter((s) => s.name === 'mlx.job.run').length, 1, 'one job, not two');
  const retry = retried.find((s) => s.name === 'mlx.job.retry')!;
  assert.equal(retry.attributes['mlx.dead_letter.retry'], '1');
  assert.deepEqual(retry.links, [{ traceId: trace_id, spanId: run.spanId }], 'linked to the run it retries');

  const operator = await waitForOperatorSpan(run.spanId);
  assert.notEqual(operator.traceId, trace_id, "the command has its own trace (with Temporal's update spans)");
  assert.deepEqual(operator.span.links, [{ traceId: trace_id, spanId: run.spanId }]);
});

/** The `mlx-jobs dlq retry` span, found through Jaeger's tag search on the job id. */
async function waitForOperatorSpan(jobSpanId: string): Promise<{ traceId: string; span: TraceSpan }> {
  let found: { traceId: string; span: TraceSpan } | undefined;
  await waitUntil(
    async () => {
      await telemetry.spanProcessor.forceFlush();
      const params = new URLSearchParams({
        service: 'mlx-worker',
        operation: 'mlx.dlq.retry',
        tags: JSON.stringify({ 'mlx.job_id': 'views-parked' }),
      });
      const body = (await (await fetch(`${jaeger.queryUrl}/api/traces?${params}`)).json()) as {
        data: { traceID: string }[] | null;
      };
      for (const { traceID } of body.data ?? []) {
        const span = (await fetchTrace(jaeger.queryUrl, traceID)).find((s) => s.name === 'mlx.dlq.retry');
        if (span?.links.some((l) => l.spanId === jobSpanId)) found = { traceId: traceID, span };
      }
      return found !== undefined;
    },
    30_000,
    'the operator span in Jaeger',
  );
  return found!;
}

test('mlx-jobs traces finds jobs by platform, failure type, step and duration in Jaeger', async () => {
  await okJob();
  await retriedJob();
  await spansOf(
    (await getJob(h.client, 'views-parked')).trace_id!,
    (spans) => spans.some((s) => s.name === 'mlx.job.retry'),
    'the traces to search',
  );
  const search = async (...args: string[]) => {
    const out: string[] = [];
    assert.equal(await runCli(['traces', ...args], (line) => out.push(line)), 0);
    return out;
  };
  const banned = await search('--step', 'executeTask', '--type', 'PlatformBanned');
  assert.equal(banned.filter((l) => l.startsWith('views-parked ')).length, 1, banned.join('\n'));
  assert.match(
    banned[0]!,
    // The job's latest run (the retry) completed: that is how the job stands.
    /^views-parked +completed \(retry 1\) +\d+(\.\d)? (ms|s) +\d{4}-\d\d-\d\dT\S+ +[0-9a-f]{32}$/,
  );
  assert.match(banned.at(-1)!, /draw one: mlx-jobs trace JOB_ID/);

  const all = await search('--platform', 'shopee_my');
  assert.ok(
    all.some((l) => l.startsWith('views-ok ') && / completed /.test(l)),
    all.join('\n'),
  );
  const failedOnly = await search('--step', 'executeTask', '--failed');
  assert.ok(!failedOnly.some((l) => l.startsWith('views-ok ')), 'a job whose task passed is not among them');
  assert.ok(
    failedOnly.some((l) => l.startsWith('views-parked ')),
    failedOnly.join('\n'),
  );
  const slow = await search('--step', 'startProfile', '--min-duration', '10m');
  assert.deepEqual(slow, ['no matching traces']);

  const json = JSON.parse(
    (await search('--step', 'executeTask', '--type', 'PlatformBanned', '--json'))[0]!,
  ) as {
    job_id: string;
  }[];
  assert.deepEqual(
    json.map((t) => t.job_id),
    ['views-parked'],
  );
  await assert.rejects(
    runCli(['traces', '--step', 'teleport'], () => undefined),
    /--step must be one of acquireLease/,
  );
});

test('submit --wait returns once the job spans are in the trace backend', async () => {
  const file = join(h.dataDir, 'wait-spec.json');
  writeFileSync(
    file,
    JSON.stringify({
      job_id: 'views-wait',
      profile_id: 'profile-views-wait',
      folder_id: 'folder-test',
      platform: 'shopee_my',
      client_id: 'client-42',
      task: { name: 'read_title', input: { title: 'waited' } },
    }),
  );
  process.env.MLX_TASK_QUEUE = h.taskQueue;
  const out: string[] = [];
  assert.equal(
    await runCli(['submit', file, '--wait', '--json'], (line) => out.push(line), { tasks: h.deps.tasks }),
    0,
  );
  const result = JSON.parse(out.at(-1)!) as { trace_complete: boolean; result: { output: unknown } };
  assert.deepEqual(result.result.output, { title: 'waited' });
  assert.equal(result.trace_complete, true, 'the trace was whole in Jaeger when --wait returned');
  const { trace_id } = await getJob(h.client, 'views-wait');
  assert.ok(traceIsWhole(await fetchTrace(jaeger.queryUrl, trace_id!)));
});
