import assert from 'node:assert/strict';
import { testPayloadEnv } from '../helpers/payload';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import {
  fetchTrace,
  getJob,
  temporalUiLink,
  traceQl,
  waitForJob,
  type TraceSearch,
  type TraceSpan,
} from '../../src/client-library';
import { runCli } from '../../src/cli/run-cli';
import type { Harness } from '../helpers/harness';
import { startJaeger, type Jaeger } from '../helpers/jaeger';
import { startTracedHarness, type TracedHarness } from '../helpers/traced-harness';
import { waitUntil } from '../helpers/processes';
import { once } from '../helpers/once';
import { traceQlMatches } from '../helpers/traceql';

// A real Jaeger v2 receives OTLP over gRPC from the worker (service mlx-worker) and from the example
// webhook receiver (its own service); traces are read back through Jaeger's query API.
let traced: TracedHarness;
let h: Harness;
let jaeger: Jaeger;
let logLines: string[];

before(async () => {
  traced = await startTracedHarness();
  ({ h, jaeger, logLines } = traced);
});
after(async () => {
  await traced?.close();
});

const STEP_SPANS = [
  'mlx.lease.acquire',
  'mlx.profile.start',
  'mlx.cdp.connect',
  'mlx.task.execute',
  'mlx.profile.stop',
  'mlx.lease.release',
  'mlx.webhook.post',
];

const FAILING = { job_id: 'traced-fail', task: { name: 'always_fails', input: {} } };
/** The failed job's trace, shared by the tests that read it. */
const failedTrace = once(() => runAndFetchTrace(FAILING));

/** Runs a job to its end, flushes every exporter and reads the job's whole trace back from Jaeger. */
async function runAndFetchTrace(spec: Parameters<Harness['submit']>[0]) {
  const job = await h.submit(spec);
  await waitForJob(h.client, job.job_id).catch(() => undefined);
  await h.receiver.waitFor(job.job_id);
  const { trace_id } = await getJob(h.client, job.job_id);
  assert.ok(trace_id, 'the run records its trace id in its memo');
  let spans: TraceSpan[] = [];
  await waitUntil(
    async () => {
      await traced.flush();
      spans = await fetchTrace(jaeger.queryUrl, trace_id);
      return ['mlx.job.run', ...STEP_SPANS, 'mlx.webhook.receive'].every((name) =>
        spans.some((s) => s.name === name),
      );
    },
    30_000,
    `the spans of ${job.job_id} in Jaeger`,
  );
  const byName = (name: string) => spans.filter((s) => s.name === name);
  return { job, trace_id, spans, byName, one: (name: string) => byName(name).at(-1)! };
}

function ancestors(spans: TraceSpan[], span: TraceSpan): string[] {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const names: string[] = [];
  for (let parent = byId.get(span.parentSpanId ?? ''); parent; parent = byId.get(parent.parentSpanId ?? '')) {
    names.push(parent.name);
  }
  return names;
}

test('a completed job is one trace: the recipe span tree, Temporal spans and the webhook receiver', async () => {
  const { spans, one, trace_id, job } = await runAndFetchTrace({
    job_id: 'traced-ok',
    callback_url: `${h.receiver.url}?token=hook-secret`,
  });
  const root = one('mlx.job.run');
  assert.equal(root.service, 'mlx-worker');
  // The run each span belongs to, for the trace backend's link to the Temporal UI.
  const run = { 'temporal.workflow_id': 'mlx-job-traced-ok', 'temporal.run_id': job.run_id };
  const runOf = (span: TraceSpan) => ({
    'temporal.workflow_id': span.attributes['temporal.workflow_id'],
    'temporal.run_id': span.attributes['temporal.run_id'],
  });
  assert.deepEqual(runOf(root), run);
  // What README says: the job span has no attempt or worker of its own; its steps have theirs.
  assert.equal(root.attributes['mlx.attempt'], undefined);
  assert.equal(root.attributes['mlx.worker_id'], undefined);
  assert.equal(root.attributes['mlx.task'], 'read_title');
  // Beside RunWorkflow, not below it: Temporal exports RunWorkflow only when the run closes.
  assert.deepEqual(ancestors(spans, root), ['StartWorkflow:runJob', 'mlx.job.submit']);
  assert.deepEqual(ancestors(spans, one('RunWorkflow:runJob')), ['StartWorkflow:runJob', 'mlx.job.submit']);
  assert.equal(root.attributes['mlx.outcome'], 'completed');
  for (const name of STEP_SPANS) {
    const span = one(name);
    const chain = ancestors(spans, span);
    assert.ok(
      chain[0]?.startsWith('RunActivity:'),
      `${name} is the child of a RunActivity span: ${chain.join(' < ')}`,
    );
    assert.ok(chain.includes('mlx.job.run'), `${name} descends from mlx.job.run`);
    assert.equal(span.service, 'mlx-worker');
    assert.equal(span.error, false);
    assert.deepEqual(
      [span.attributes['mlx.job_id'], span.attributes['mlx.profile_id'], span.attributes['mlx.platform']],
      ['traced-ok', 'profile-traced-ok', 'shopee_my'],
    );
    assert.equal(span.attributes['mlx.client_id'], 'client-42');
    assert.equal(span.attributes['mlx.attempt'], '1');
    assert.equal(span.attributes['mlx.worker_id'], 'test-worker');
    assert.deepEqual(runOf(span), run, `${name} names its run`);
  }
  // The worker's own calls, each under the step that made it: HTTP to the launcher, Redis for the lease.
  const callsOf = (step: string) => spans.filter((s) => s.parentSpanId === one(step).spanId);
  const launcherCall = callsOf('mlx.profile.start').find((s) => s.name === 'GET');
  assert.ok(launcherCall, `an HTTP span under mlx.profile.start: ${spans.map((s) => s.name).join(', ')}`);
  assert.equal(launcherCall.kind, 'client');
  // Its URL without the query string (automation_type=…): a query may carry a token.
  assert.match(
    launcherCall.attributes['http.url'] ?? '',
    /^http:\/\/127\.0\.0\.1:\d+\/api\/v2\/profile\/f\/folder-test\/p\/profile-traced-ok\/start$/,
  );
  assert.equal(launcherCall.attributes['http.status_code'], '200');
  const leaseCall = callsOf('mlx.lease.acquire').find((s) => s.attributes['db.system'] === 'redis');
  assert.ok(leaseCall, 'a Redis span under mlx.lease.acquire');
  assert.equal(leaseCall.kind, 'client');
  // The command and its keys; not the script, nor any value.
  assert.match(
    leaseCall.attributes['db.statement'] ?? '',
    /^EVAL \S+:lease:profile-traced-ok \S+:lease-token$/,
  );
  assert.match(one('mlx.cdp.connect').attributes['mlx.browser.version'] ?? '', /Chrom/);
  assert.match(one('mlx.cdp.connect').attributes['mlx.cdp.port'] ?? '', /^\d+$/);
  assert.equal(one('mlx.task.execute').attributes['mlx.task'], 'read_title');
  const own = one('read_title.render');
  assert.equal(
    own.parentSpanId,
    one('mlx.task.execute').spanId,
    "the task's own span is a child of its step",
  );
  assert.equal(own.attributes['mlx.job_id'], 'traced-ok');
  const post = one('mlx.webhook.post');
  assert.equal(post.kind, 'client', "an HTTP client span, paired with the receiver's server span");
  assert.equal(post.attributes['http.request.method'], 'POST');
  assert.equal(post.attributes['http.response.status_code'], '204');
  assert.equal(post.attributes['server.address'], '127.0.0.1');
  assert.match(post.attributes['server.port'] ?? '', /^\d+$/);
  assert.equal(post.attributes['error.type'], undefined);

  // The W3C trace context on the POST: version 00, the job's trace, the POST span as parent, sampled.
  const { headers } = await h.receiver.waitFor('traced-ok');
  const traceparent = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(String(headers.traceparent));
  assert.ok(traceparent, `a W3C traceparent header: ${String(headers.traceparent)}`);
  assert.deepEqual([traceparent[1], traceparent[2]], [trace_id, post.spanId]);

  const received = one('mlx.webhook.receive');
  assert.equal(received.service, 'mlx-webhook-receiver');
  assert.equal(received.kind, 'server');
  assert.equal(received.parentSpanId, one('mlx.webhook.post').spanId, 'the receiver continues the POST span');
  assert.doesNotMatch(
    JSON.stringify(spans, (_k, v: unknown) => (typeof v === 'bigint' ? 0 : v)),
    /hook-secret/,
  );

  const taskLog = logLines
    .map((l) => JSON.parse(l) as Record<string, string>)
    .find((l) => l.msg === 'task started');
  assert.equal(taskLog?.trace_id, trace_id, 'worker log lines carry the trace id');
  assert.equal(taskLog?.span_id, one('mlx.task.execute').spanId);
});

test('a failed task marks its step and mlx.job.run as ERROR, with its type, screenshot and trace', async () => {
  const { byName, one } = await failedTrace();
  const attempts = byName('mlx.task.execute');
  assert.equal(attempts.length, 2, 'one span per attempt');
  for (const span of attempts) {
    assert.equal(span.error, true);
    assert.equal(span.attributes['mlx.failure_type'], 'TaskFailed');
    const screenshot = span.attributes['mlx.artifact.screenshot'] ?? '';
    assert.match(screenshot, new RegExp(`traced-fail-attempt${span.attributes['mlx.attempt']}\\.png$`));
    assert.ok(existsSync(screenshot), `${screenshot} exists`);
    const trace = span.attributes['mlx.artifact.trace'] ?? '';
    assert.equal(trace, screenshot.replace(/\.png$/, '.zip'), 'the Playwright trace lies beside it');
    assert.ok(existsSync(trace), `${trace} exists`);
  }
  const root = one('mlx.job.run');
  assert.equal(root.error, true);
  assert.equal(root.attributes['mlx.failure_type'], 'TaskFailed');
  assert.equal(root.attributes['mlx.failed_step'], 'executeTask');
  assert.equal(one('mlx.profile.stop').error, false, 'cleanup still succeeded');
});

test('mlx-jobs trace draws the waterfall from the trace backend', async () => {
  await failedTrace();
  Object.assign(process.env, {
    ...h.server.env,
    MLX_TRACE_QUERY_URL: jaeger.queryUrl,
    ...testPayloadEnv(h.dataDir),
  });
  const out: string[] = [];
  assert.equal(await runCli(['trace', 'traced-fail'], (line) => out.push(line)), 0);
  const text = out.join('\n');
  assert.match(text, /^trace [0-9a-f]{32}/);
  for (const name of ['mlx.job.run', ...STEP_SPANS, 'mlx.webhook.receive'])
    assert.ok(text.includes(name), name);
  assert.match(text, /mlx\.task\.execute .*ERROR TaskFailed/);
  assert.match(text, /mlx-webhook-receiver/);
});

test("the recipe's TraceQL queries select the failed job by the attributes its spans carry in Jaeger", async () => {
  const { spans } = await failedTrace();
  const base = { sinceMs: 3_600_000, limit: 20 };
  const cases: [TraceSearch, boolean][] = [
    [{ ...base, platform: 'shopee_my', failed: true }, true],
    [{ ...base, platform: 'shopee_my', clientId: 'client-42', failureType: 'TaskFailed' }, true],
    [{ ...base, step: 'executeTask', failureType: 'TaskFailed', clientId: 'client-42', failed: true }, true],
    [{ ...base, step: 'startProfile', minDurationMs: 1 }, true],
    [{ ...base, platform: 'lazada_id', failed: true }, false],
    [{ ...base, step: 'executeTask', failureType: 'PlatformBanned' }, false],
    [{ ...base, step: 'startProfile', failed: true }, false],
    [{ ...base, step: 'startProfile', minDurationMs: 3_600_000 }, false],
  ];
  for (const [search, expected] of cases) {
    const query = traceQl(search);
    assert.equal(traceQlMatches(query, spans).matches, expected, query);
  }
  // What it selects is on the job's span: its id, outcome and failure type (mlx.dead_letter.retry is on
  // a retried run's span only, read back from Jaeger in operator-views.test.ts).
  const job = spans.find((s) => s.name === 'mlx.job.run')!;
  const { selected } = traceQlMatches(traceQl(base), spans);
  assert.ok(selected.length >= 3, selected.join(', '));
  for (const attribute of selected.filter((a) => a !== 'span.mlx.dead_letter.retry'))
    assert.ok(
      job.attributes[attribute.replace(/^span\./, '')] !== undefined,
      `${attribute} is on mlx.job.run`,
    );
});

test("Jaeger's UI config links each job and step span to its run in the Temporal UI", async () => {
  const { spans, job } = await failedTrace();
  const target = { url: h.server.uiUrl, namespace: h.server.namespace };
  const linking = await startJaeger({ temporalUi: target });
  try {
    // The query service injects its UI config into the page it serves (here the placeholder page of a
    // Jaeger built without the UI assets; the real UI page has the same marker).
    const page = await (await fetch(`${linking.queryUrl}/search`)).text();
    const injected = /JAEGER_CONFIG = (\{.*\});/.exec(page)?.[1];
    assert.ok(injected, 'Jaeger serves the UI config');
    const { linkPatterns } = JSON.parse(injected) as {
      linkPatterns: { type: string; key: string; url: string }[];
    };
    // As the Jaeger UI fills a pattern: #{key} from the span's tags, URL-encoded.
    const fill = (url: string, tags: Record<string, unknown>) =>
      url.replace(/#\{([^}]+)\}/g, (_, key: string) => encodeURIComponent(String(tags[key])));
    const runLink = linkPatterns.find((p) => p.type === 'tags' && p.key === 'temporal.run_id');
    assert.ok(runLink, 'a link pattern on temporal.run_id');
    const named = spans.filter((s) => s.attributes['temporal.run_id'] !== undefined);
    assert.ok(
      named.some((s) => s.name === 'mlx.job.run') && named.some((s) => s.name === 'mlx.task.execute'),
    );
    const { run_id } = await getJob(h.client, job.job_id);
    for (const span of named) {
      assert.equal(
        fill(runLink.url, span.attributes),
        temporalUiLink(target.url, target.namespace, `mlx-job-${job.job_id}`, run_id),
        span.name,
      );
    }
  } finally {
    await linking.stop();
  }
});
