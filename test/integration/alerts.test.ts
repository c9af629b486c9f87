import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Client } from '@temporalio/client';
import {
  connectClient,
  fetchTrace,
  getJob,
  searchTraces,
  startJob,
  waitForJob,
} from '../../src/client-library';
import { loadClientConfig } from '../../src/config';
import { startJaeger, type Jaeger } from '../../src/dev/jaeger';
import { startPrometheus, type LocalPrometheus, type PrometheusAlert } from '../../src/dev/prometheus';
import { DEFAULT_POLICY_BOUNDS } from '../../src/policies';
import { builtinTasks, createTaskRegistry } from '../../src/tasks';
import { startAlertmanager, type LocalAlertmanager } from '../helpers/alertmanager';
import { metricNamesInRepo, scrapedFamilies } from '../helpers/metric-names';
import { once } from '../helpers/once';
import { fastPolicies, LOOPBACK_EGRESS } from '../helpers/policies';
import { waitUntil } from '../helpers/processes';
import { startWorkerProcess, TEST_WORKER, type WorkerProcess } from '../helpers/spawn';
import { startTestTemporal, type TestTemporal } from '../helpers/temporal';
import { testTasks } from '../helpers/test-tasks';
import { traceQlMatches } from '../helpers/traceql';

// The trace-derived alerts end to end, every part real: a worker process (renamed with
// OTEL_SERVICE_NAME) sends its spans to Jaeger, whose spanmetrics connector turns them into metrics;
// Prometheus scrapes those with deploy/prometheus/rules loaded and sends firing alerts to Alertmanager
// (the compose route), which delivers them to a webhook here. The fault: a client's receiver that hangs.
const SERVICE = 'shop-worker';
const GRAFANA = 'https://grafana.example';
let server: TestTemporal;
let jaeger: Jaeger;
let prometheus: LocalPrometheus;
let alertmanager: LocalAlertmanager;
let worker: WorkerProcess;
let client: Client;
let dir: string;
const notifications: { groupLabels: Record<string, string>; alerts: PrometheusAlert[]; status: string }[] =
  [];
const notified = createHttpServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', () => {
    notifications.push(JSON.parse(body) as (typeof notifications)[number]);
    res.end();
  });
});
/** Accepts every connection and never answers. */
const sockets: Socket[] = [];
const hanging = createServer((socket) => {
  sockets.push(socket);
  socket.on('error', () => undefined);
  socket.resume();
});
const listen = async (s: {
  listen(port: number, host: string, cb: () => void): unknown;
  address(): unknown;
}) => {
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(s.address() as { port: number }).port}`;
};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mlx-jobs-alerts-'));
  const [notifiedUrl] = await Promise.all([listen(notified), listen(hanging)]);
  [server, jaeger, alertmanager] = await Promise.all([
    startTestTemporal(),
    startJaeger({ spanMetrics: true }),
    startAlertmanager(`${notifiedUrl}/alerts`),
  ]);
  [prometheus, worker] = await Promise.all([
    startPrometheus({
      targets: [],
      spanMetricsTargets: [jaeger.spanMetricsTarget!],
      // Twice per flush of the connector, so every flush's exemplars are scraped.
      scrapeIntervalMs: 500,
      ruleFiles: [join(__dirname, '..', '..', 'deploy', 'prometheus', 'rules', 'mlx-jobs.rules.yml')],
      alertmanagers: [alertmanager.target],
      externalLabels: { grafana_url: GRAFANA },
    }),
    startWorkerProcess(
      {
        ...server.env,
        MLX_TASK_QUEUE: 'alerts-test',
        MLX_WORKER_ID: 'alerts-worker',
        MLX_WEBHOOK_UNSIGNED: 'true',
        MLX_WEBHOOK_ALLOW_HOSTS: '127.0.0.1:*',
        MLX_WEBHOOK_TIMEOUT_MS: '300',
        MLX_DATA_DIR: dir,
        MLX_METRICS_ADDRESS: '127.0.0.1:0',
        OTEL_SERVICE_NAME: SERVICE,
        OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpHttpEndpoint,
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
      undefined,
      TEST_WORKER,
    ),
  ]);
  client = await connectClient(loadClientConfig(server.env));
  // A scrape of its /metrics before any job: were it traced, its span would reach Jaeger before theirs.
  assert.equal((await fetch(worker.metricsUrl)).status, 200);
});
after(async () => {
  await client?.connection.close();
  worker?.child.kill('SIGTERM');
  await worker?.exited;
  await Promise.all([prometheus?.stop(), alertmanager?.stop(), jaeger?.stop(), server?.stop()]);
  for (const socket of sockets) socket.destroy();
  notified.close();
  hanging.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A job whose report times out on every attempt, until it is parked as a webhook dead letter. */
const timedOutJob = once(async () => {
  const job = await startJob(
    client,
    {
      job_id: 'alerts-hanging-hook',
      profile_id: 'profile-alerts',
      folder_id: 'folder-1',
      platform: 'lazada_id',
      client_id: '7',
      task: { name: 'read_title', input: { title: 'alerts' } },
      callback_url: `http://127.0.0.1:${(hanging.address() as { port: number }).port}/hooks`,
      policies: { postWebhook: { retry: { initial_interval_ms: 100, maximum_attempts: 4 } } },
    },
    {
      taskQueue: 'alerts-test',
      policy: { policies: fastPolicies(), bounds: DEFAULT_POLICY_BOUNDS },
      tasks: createTaskRegistry([...builtinTasks, ...testTasks]),
      egress: LOOPBACK_EGRESS, // as the worker's MLX_WEBHOOK_ALLOW_HOSTS says
      deadLetterRetentionMs: 600_000,
    },
  );
  await waitForJob(client, job.job_id).catch(() => undefined);
  const { trace_id } = await getJob(client, job.job_id);
  assert.match(trace_id ?? '', /^[0-9a-f]{32}$/);
  return { jobId: job.job_id, traceId: trace_id! };
});

test('a receiver that hangs: MlxWebhookTimingOut fires from the spans and Alertmanager delivers it', async () => {
  const { traceId } = await timedOutJob();
  let alert: PrometheusAlert | undefined;
  await waitUntil(
    async () => {
      alert = (await prometheus.alerts()).find(
        (a) => a.labels.alertname === 'MlxWebhookTimingOut' && a.state === 'firing',
      );
      return alert !== undefined;
    },
    60_000,
    'MlxWebhookTimingOut firing in Prometheus',
  );
  assert.equal(alert!.labels.platform, 'lazada_id');
  assert.equal(alert!.labels.service_name, SERVICE, 'the span metrics carry the renamed service');
  const { annotations } = alert!;
  assert.match(
    annotations.dashboard_url ?? '',
    new RegExp(`^${GRAFANA}/d/mlx-jobs/mlx-jobs\\?viewPanel=\\d+$`),
  );
  assert.equal(annotations.runbook_url, 'docs/operations.md#alert-mlxwebhooktimingout');
  assert.ok(annotations.trace_search_url?.startsWith(`${GRAFANA}/explore?left=`));
  // The alert's own trace search, evaluated on the job's trace as Jaeger holds it: it finds the failing
  // spans of the renamed service.
  const spans = await fetchTrace(jaeger.queryUrl, traceId);
  assert.ok(
    traceQlMatches(annotations.trace_search ?? '', spans).matches,
    `${annotations.trace_search} finds the job's timed-out webhook spans`,
  );
  const timedOut = spans.filter((s) => s.name === 'mlx.webhook.post');
  assert.ok(
    timedOut.length >= 2 && timedOut.every((s) => s.error && s.attributes['error.type'] === 'timeout'),
  );

  await waitUntil(
    () => notifications.some((n) => n.alerts.some((a) => a.labels.alertname === 'MlxWebhookTimingOut')),
    60_000,
    'the alert delivered by Alertmanager to the webhook receiver',
  );
  const delivered = notifications.find((n) =>
    n.alerts.some((a) => a.labels.alertname === 'MlxWebhookTimingOut'),
  )!;
  assert.equal(delivered.status, 'firing');
  assert.deepEqual(delivered.groupLabels, { alertname: 'MlxWebhookTimingOut', platform: 'lazada_id' });
  assert.equal(delivered.alerts[0]!.annotations.trace_search, annotations.trace_search);
});

test("the span metrics carry the spans' trace ids as exemplars, and serve every name the rules and panels use", async () => {
  const { traceId } = await timedOutJob();
  await waitUntil(
    async () =>
      (
        await prometheus.exemplars(
          'traces_span_metrics_duration_seconds_bucket{span_name="mlx.webhook.post"}',
        )
      ).some((e) => e.labels.trace_id === traceId),
    30_000,
    "the job's trace id as an exemplar of the webhook spans' durations",
  );
  const families = scrapedFamilies(await (await fetch(`http://${jaeger.spanMetricsTarget}/metrics`)).text());
  const used = [...metricNamesInRepo('traces_span_metrics')];
  assert.ok(used.length >= 2, used.join(', '));
  assert.deepEqual(
    used.filter((name) => !families.has(name)),
    [],
    'every span metric in deploy/ (rules, dashboards) is one the connector serves',
  );
});

test('a renamed worker is still found by the trace search (mlx-jobs traces), and its log names it so', async () => {
  const { jobId } = await timedOutJob();
  const found = await searchTraces(jaeger.queryUrl, {
    platform: 'lazada_id',
    step: 'postWebhook',
    failed: true,
    sinceMs: 3_600_000,
    limit: 10,
  });
  assert.deepEqual(
    found.map((t) => t.job_id),
    [jobId],
  );
  const services = new Set(
    worker
      .lines()
      // Its log lines (JSON), not what Node itself may print on stderr.
      .filter((line) => line.startsWith('{'))
      .map((line) => (JSON.parse(line) as { service?: string }).service)
      .filter(Boolean),
  );
  assert.deepEqual([...services], [SERVICE]);

  // The worker process traces its own calls (HTTP to its embedded launcher), not the scrape of /metrics.
  const answer = await fetch(`${jaeger.queryUrl}/api/v3/operations?service=${SERVICE}`);
  const { operations } = (await answer.json()) as { operations: { name: string; spanKind: string }[] };
  assert.ok(
    operations.some((o) => o.name === 'GET' && o.spanKind === 'client'),
    `the launcher calls' spans: ${JSON.stringify(operations)}`,
  );
  assert.deepEqual(
    operations.filter((o) => o.spanKind === 'server'),
    [],
    'no span for a request the worker answered',
  );
});
