import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Client } from '@temporalio/client';
import { connectClient, getJob, startJob, waitForJob } from '../../src/client-library';
import { loadClientConfig } from '../../src/config';
import { discardDeadLetter } from '../../src/client-library';
import { startWebhookReceiver, type WebhookReceiver } from '../../src/demo/webhook-receiver';
import { freePort } from '../../src/dev/free-port';
import { startPrometheus, type LocalPrometheus } from '../../src/dev/prometheus';
import { startTestTemporal, type TestTemporal } from '../helpers/temporal';
import type { JobSpecInput } from '../../src/contract';
import { DEFAULT_POLICY_BOUNDS } from '../../src/policies';
import { builtinTasks, createTaskRegistry } from '../../src/tasks';
import { testTasks } from '../helpers/test-tasks';
import { fastPolicies, LOOPBACK_EGRESS } from '../helpers/policies';
import { once } from '../helpers/once';
import { waitUntil } from '../helpers/processes';
import { startWorkerProcess, TEST_WORKER, type WorkerProcess } from '../helpers/spawn';
import { metricNamesInRepo, scrapedFamilies } from '../helpers/metric-names';

// A real worker process serves /metrics, and its Temporal SDK its own metrics on MLX_SDK_METRICS_ADDRESS;
// a real Prometheus (Debian's, exemplar storage on) scrapes both after real jobs on a real Temporal dev
// server.
let server: TestTemporal;
let receiver: WebhookReceiver;
let worker: WorkerProcess;
let prometheus: LocalPrometheus;
let client: Client;
let dir: string;
const taskQueue = 'metrics-test';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mlx-jobs-metrics-'));
  server = await startTestTemporal();
  receiver = await startWebhookReceiver();
  worker = await startWorkerProcess(
    {
      ...server.env,
      MLX_TASK_QUEUE: taskQueue,
      MLX_WORKER_ID: 'metrics-worker',
      // The receivers here listen on loopback and verify no signature.
      MLX_WEBHOOK_UNSIGNED: 'true',
      MLX_WEBHOOK_ALLOW_HOSTS: '127.0.0.1:*',
      MLX_DATA_DIR: dir,
      // Bound by the worker on a port the system picks (no free port picked here for it to lose).
      MLX_METRICS_ADDRESS: '127.0.0.1:0',
    },
    undefined,
    TEST_WORKER,
  );
  prometheus = await startPrometheus({
    targets: [new URL(worker.metricsUrl).host],
    sdkTargets: [new URL(worker.sdkMetricsUrl).host],
  });
  client = await connectClient(loadClientConfig(server.env));
});
after(async () => {
  await client?.connection.close();
  await prometheus?.stop();
  worker?.child.kill('SIGTERM');
  await worker?.exited;
  await receiver?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The tasks the test worker runs (TEST_WORKER), so the client checks specs against them. */
const TASKS = createTaskRegistry([...builtinTasks, ...testTasks]);

function submit(spec: Partial<JobSpecInput> & Pick<JobSpecInput, 'job_id'>, deadLetterRetentionMs = 0) {
  return startJob(
    client,
    {
      profile_id: `profile-${spec.job_id}`,
      folder_id: 'folder-1',
      platform: 'lazada_id',
      client_id: '7',
      task: { name: 'read_title', input: { title: 'metrics' } },
      callback_url: receiver.url,
      ...spec,
    },
    {
      taskQueue,
      policy: { policies: fastPolicies(), bounds: DEFAULT_POLICY_BOUNDS },
      tasks: TASKS,
      egress: LOOPBACK_EGRESS, // as the worker's MLX_WEBHOOK_ALLOW_HOSTS says
      deadLetterRetentionMs,
    },
  );
}

const parked = (jobId: string) =>
  waitUntil(
    async () => (await getJob(client, jobId)).progress?.state === 'dead_letter',
    60_000,
    `${jobId} parked`,
  );

/** The one completed job of this file. */
const completedJob = once(async () => {
  const job = await submit({ job_id: 'metrics-ok' });
  await waitForJob(client, job.job_id);
  return job.job_id;
});

test('Prometheus stores the trace id of a real job as the exemplar of mlx_job_duration_seconds', async () => {
  const { trace_id } = await getJob(client, await completedJob());
  assert.match(trace_id ?? '', /^[0-9a-f]{32}$/);
  let exemplars: Awaited<ReturnType<LocalPrometheus['exemplars']>> = [];
  await waitUntil(
    async () => {
      exemplars = await prometheus.exemplars('mlx_job_duration_seconds_bucket{platform="lazada_id"}');
      return exemplars.some((e) => e.labels.trace_id === trace_id);
    },
    60_000,
    'the exemplar of the job in Prometheus',
  );
  const mine = exemplars.find((e) => e.labels.trace_id === trace_id)!;
  assert.equal(mine.series.outcome, 'completed');
  assert.equal(mine.series.task, 'read_title');
  assert.ok(mine.value > 0 && mine.value < 120, `the job's duration in seconds: ${mine.value}`);
  const steps = await prometheus.exemplars('mlx_step_duration_seconds_bucket{step="executeTask"}');
  assert.ok(
    steps.some((e) => e.labels.trace_id === trace_id),
    'the step histogram carries the trace too',
  );
});

test('/metrics speaks both formats, the SDK its own target; /healthz and /readyz answer', async () => {
  await completedJob();
  const openMetrics = await fetch(worker.metricsUrl, {
    headers: { accept: 'application/openmetrics-text;version=1.0.0,text/plain;q=0.5' },
  });
  assert.match(openMetrics.headers.get('content-type') ?? '', /^application\/openmetrics-text/);
  const om = await openMetrics.text();
  assert.match(om, /# EOF\n$/);
  assert.match(om, /^mlx_job_duration_seconds_bucket\{.*\} \d+ # \{trace_id="[0-9a-f]{32}"\} /m);
  assert.match(om, /^# TYPE mlx_jobs counter$/m);
  assert.doesNotMatch(om, /^temporal_/m, "the Temporal SDK's metrics are not ours to serve");
  const sdk = await (await fetch(worker.sdkMetricsUrl)).text();
  assert.match(sdk, /^temporal_\w+_total\{/m, 'the SDK serves its own, counters named with _total');

  const text = await (await fetch(worker.metricsUrl)).text();
  assert.doesNotMatch(text, /# EOF|# \{trace_id/);
  assert.match(text, /^# TYPE mlx_jobs_total counter$/m);
  assert.match(text, /^mlx_jobs_total\{platform="lazada_id",task="read_title",outcome="completed"\} 1$/m);
  assert.match(text, /^mlx_open_profiles\{worker_id="metrics-worker"\} 0$/m);
  assert.match(text, /^mlx_profile_slots\{worker_id="metrics-worker"\} 4$/m);

  const base = worker.metricsUrl.replace(/\/metrics$/, '');
  assert.equal((await fetch(`${base}/healthz`)).status, 200);
  const ready = await fetch(`${base}/readyz`);
  assert.equal(ready.status, 200, await ready.text());
  assert.equal((await fetch(`${base}/nothing`)).status, 404);

  // Prometheus itself parsed each target's scrape (ours in OpenMetrics, the SDK's as it serves it), and
  // stores the SDK's series under their own job.
  const query = async (promql: string) => {
    const url = `${prometheus.url}/api/v1/query?query=${encodeURIComponent(promql)}`;
    const answer = (await (await fetch(url)).json()) as {
      data: { result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    return answer.data.result;
  };
  let up: Record<string, string> = {};
  await waitUntil(
    async () => {
      up = Object.fromEntries((await query('up')).map((r) => [r.metric.job!, r.value[1]]));
      return Object.keys(up).length === 2;
    },
    60_000,
    "Prometheus's first scrape of both targets",
  );
  assert.deepEqual(up, { 'mlx-worker': '1', 'temporal-sdk': '1' });
  const jobsOfSdkSeries = new Set((await query('{__name__=~"temporal_.+"}')).map((r) => r.metric.job));
  assert.deepEqual([...jobsOfSdkSeries], ['temporal-sdk']);
});

test('failures, webhook deliveries and dead letters are counted; every metric the rules and dashboards use exists', async () => {
  const failed = await submit({ job_id: 'metrics-fail', task: { name: 'always_fails', input: {} } }, 600_000);
  await parked(failed.job_id);
  await discardDeadLetter(client, failed.job_id, 'counted by the metrics test');
  const closedPort = await freePort();
  const unreachable = await submit(
    {
      job_id: 'metrics-webhook',
      callback_url: `http://127.0.0.1:${closedPort}/hook`,
      policies: { postWebhook: { retry: { initial_interval_ms: 100, maximum_attempts: 1 } } },
    },
    600_000,
  );
  await parked(unreachable.job_id);

  let families = new Set<string>();
  let text = '';
  await waitUntil(
    async () => {
      text = await (await fetch(worker.metricsUrl)).text();
      // The panels read the SDK's target too (temporal_*).
      families = scrapedFamilies(text + (await (await fetch(worker.sdkMetricsUrl)).text()));
      return /^mlx_dead_letters_waiting 1$/m.test(text);
    },
    30_000,
    'the parked webhook dead letter in mlx_dead_letters_waiting',
  );
  assert.match(
    text,
    /^mlx_job_failures_total\{platform="lazada_id",task="always_fails",failure_type="TaskFailed",step="executeTask"\} 1$/m,
  );
  assert.match(
    text,
    /^mlx_step_failures_total\{step="executeTask",platform="lazada_id",failure_type="TaskFailed"\} 2$/m,
  );
  assert.match(text, /^mlx_webhook_deliveries_total\{platform="lazada_id",result="unavailable"\} 1$/m);
  assert.match(text, /^mlx_webhook_deliveries_total\{platform="lazada_id",result="delivered"\} [1-9]/m);
  assert.match(text, /^mlx_dead_letters_total\{platform="lazada_id",kind="job",action="parked"\} 1$/m);
  assert.match(text, /^mlx_dead_letters_total\{platform="lazada_id",kind="job",action="discarded"\} 1$/m);
  assert.match(text, /^mlx_dead_letters_total\{platform="lazada_id",kind="webhook",action="parked"\} 1$/m);

  const used = metricNamesInRepo();
  assert.ok(used.size >= 10, `rules and dashboards use metrics: ${[...used].join(', ')}`);
  const missing = [...used].filter((name) => !families.has(name));
  assert.deepEqual(missing, [], 'every metric in deploy/ (rules, dashboards) is one a real worker serves');
});
