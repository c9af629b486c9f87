import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  jaegerQueries,
  parseJaegerSearch,
  parseTempoSearch,
  traceQl,
  type TraceSearch,
} from '../../src/client-library';
import { parseDuration } from '../../src/cli/traces';

const base: TraceSearch = { sinceMs: 3_600_000, limit: 20 };

// The recipe's queries are checked against real spans read back from Jaeger in tracing.test.ts.
test('values are quoted, so a client id cannot break out of the TraceQL string', () => {
  assert.match(
    traceQl({ ...base, clientId: 'a" || true || "' }),
    /span\.mlx\.client_id = "a\\" \|\| true \|\| \\""/,
  );
});

test("Jaeger's tag search asks each service for the step's span, or for both job spans, with the same filters", () => {
  const now = 1_700_000_000_000;
  const [step] = jaegerQueries(
    { ...base, step: 'cdpConnect', failed: true, platform: 'shopee_my', minDurationMs: 500 },
    now,
    ['shop-worker'],
  );
  assert.equal(step?.get('service'), 'shop-worker');
  assert.equal(step?.get('operation'), 'mlx.cdp.connect');
  // Jaeger v2 cannot search by status: `failed` filters its answer instead.
  assert.deepEqual(JSON.parse(step?.get('tags') ?? '{}'), { 'mlx.platform': 'shopee_my' });
  assert.equal(step?.get('minDuration'), '500ms');
  assert.equal(step?.get('end'), String(now * 1000));
  assert.equal(step?.get('start'), String((now - 3_600_000) * 1000));
  const jobs = jaegerQueries(base, now, ['mlx-worker', 'mlx-client']);
  assert.deepEqual(
    jobs.map((p) => `${p.get('service')} ${p.get('operation')}`),
    [
      'mlx-worker mlx.job.run',
      'mlx-worker mlx.job.retry',
      'mlx-client mlx.job.run',
      'mlx-client mlx.job.retry',
    ],
  );
  assert.equal(jobs[0]?.get('tags'), null);
});

test("Tempo's search answer: one line per trace, the job's id and outcome from its job span", () => {
  const found = parseTempoSearch({
    traces: [
      {
        traceID: '4bf92f3577b34da6a3ce929d0e0e4736',
        rootServiceName: 'mlx-client',
        startTimeUnixNano: '1700000000000000000',
        durationMs: 9000,
        spanSets: [
          {
            spans: [
              {
                spanID: '00f067aa0ba902b7',
                name: 'mlx.profile.start',
                startTimeUnixNano: '1700000001000000000',
                durationNanos: '31000000000',
                attributes: [{ key: 'mlx.job_id', value: { stringValue: 'orders-1' } }],
              },
              {
                spanID: '00f067aa0ba902b8',
                name: 'mlx.job.run',
                startTimeUnixNano: '1700000000500000000',
                durationNanos: '45000000000',
                attributes: [
                  { key: 'mlx.job_id', value: { stringValue: 'orders-1' } },
                  { key: 'mlx.outcome', value: { stringValue: 'failed' } },
                  { key: 'mlx.failure_type', value: { stringValue: 'TaskFailed' } },
                ],
              },
            ],
            matched: 2,
          },
        ],
      },
    ],
  });
  assert.deepEqual(found, [
    {
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      job_id: 'orders-1',
      outcome: 'failed',
      failure_type: 'TaskFailed',
      retries: 0,
      duration_ms: 45_000,
      started_at: '2023-11-14T22:13:20.500Z',
    },
  ]);
  assert.deepEqual(parseTempoSearch({}), []);
});

test('durations for --min-duration and --since; anything else is refused naming the option', () => {
  assert.equal(parseDuration('since', '30s'), 30_000);
  assert.equal(parseDuration('since', '500ms'), 500);
  assert.equal(parseDuration('since', '1.5h'), 5_400_000);
  assert.throws(() => parseDuration('min-duration', '30'), /--min-duration must be a duration .*got "30"/);
});

test("Jaeger's answer: `failed` keeps only traces where the searched span failed", () => {
  const span = (operationName: string, error: boolean, startTime: number) => ({
    operationName,
    startTime,
    duration: 2_000_000,
    tags: [
      { key: 'mlx.job_id', type: 'string', value: 'orders-2' },
      ...(error ? [{ key: 'error', type: 'bool', value: true }] : []),
      ...(operationName === 'mlx.job.run'
        ? [{ key: 'mlx.outcome', type: 'string', value: 'completed' }]
        : []),
    ],
  });
  const body = {
    data: [
      {
        traceID: 'a'.repeat(32),
        spans: [
          span('mlx.job.run', false, 1_700_000_000_000_000),
          span('mlx.cdp.connect', true, 1_700_000_000_100_000),
        ],
      },
      {
        traceID: 'b'.repeat(32),
        spans: [
          span('mlx.job.run', false, 1_700_000_000_000_000),
          span('mlx.cdp.connect', false, 1_700_000_000_100_000),
        ],
      },
    ],
  };
  assert.deepEqual(
    parseJaegerSearch(body, 'mlx.cdp.connect').map((t) => [t.trace_id, t.job_id, t.outcome, t.duration_ms]),
    [['a'.repeat(32), 'orders-2', 'completed', 2000]],
  );
  assert.equal(parseJaegerSearch(body).length, 2);
  assert.deepEqual(parseJaegerSearch({ data: null }), []);
});
