import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTrace } from '../../src/client-library';
import { renderWaterfall } from '../../src/cli/waterfall';

const span = (
  id: string,
  parent: string | undefined,
  name: string,
  start: number,
  end: number,
  code = 1,
) => ({
  traceId: 'a'.repeat(32),
  spanId: id,
  ...(parent && { parentSpanId: parent }),
  name,
  startTimeUnixNano: String(start * 1e6),
  endTimeUnixNano: String(end * 1e6),
  attributes: [{ key: 'mlx.failure_type', value: { stringValue: 'TaskFailed' } }],
  status: { code },
});
const resource = (service: string) => ({
  attributes: [{ key: 'service.name', value: { stringValue: service } }],
});
const batches = [
  {
    resource: resource('mlx-worker'),
    scopeSpans: [
      {
        spans: [
          span('1111111111111111', undefined, 'mlx.job.run', 0, 100, 2),
          span('2222222222222222', '1111111111111111', 'mlx.task.execute', 10, 90, 2),
        ],
      },
    ],
  },
  {
    resource: resource('mlx-webhook-receiver'),
    scopeSpans: [{ spans: [span('3333333333333333', '2222222222222222', 'mlx.webhook.receive', 95, 99)] }],
  },
];

test("Jaeger's and Tempo's OTLP JSON shapes parse to the same spans", () => {
  const jaeger = parseTrace({ result: { resourceSpans: batches } });
  assert.deepEqual(parseTrace({ batches }), jaeger);
  assert.deepEqual(parseTrace({ resourceSpans: batches }), jaeger);
  assert.deepEqual(
    jaeger.map((s) => [s.name, s.service, s.parentSpanId, s.error]),
    [
      ['mlx.job.run', 'mlx-worker', undefined, true],
      ['mlx.task.execute', 'mlx-worker', '1111111111111111', true],
      ['mlx.webhook.receive', 'mlx-webhook-receiver', '2222222222222222', false],
    ],
  );
});

test("a body that is not a trace (Jaeger's v1 format) is refused with a clear error", () => {
  assert.throws(() => parseTrace({ data: [{ traceID: 'x', spans: [] }] }), /not an OTLP JSON trace/);
});

test('the waterfall nests children under parents, with offsets, durations and errors', () => {
  const lines = renderWaterfall(parseTrace({ batches })).split('\n');
  assert.match(lines[1] ?? '', /^mlx\.job\.run .* 0\.0 ms +100\.0 ms +ERROR TaskFailed/);
  assert.match(lines[2] ?? '', /^ {2}mlx\.task\.execute .* 10\.0 ms +80\.0 ms +ERROR TaskFailed/);
  assert.match(lines[3] ?? '', /^ {4}mlx\.webhook\.receive +mlx-webhook-receiver +95\.0 ms +4\.0 ms +ok/);
});
