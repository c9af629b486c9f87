import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/contract/config-error';
import { spanProcessorFromEnv } from '../../src/telemetry/setup';

// How the OTEL_* variables choose where spans go: honoured as the specification names them, and a
// value this process cannot honour refused with one line naming the variable (never a silent fallback).
const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' };

test('OTEL_TRACES_EXPORTER=none exports nothing, even with an endpoint', async () => {
  const none = spanProcessorFromEnv({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' });
  assert.equal(none.exporting, false);
  assert.equal(none.destination, 'none (OTEL_TRACES_EXPORTER=none)');
  const otlp = spanProcessorFromEnv({ ...endpoint, OTEL_TRACES_EXPORTER: 'otlp' });
  assert.equal(otlp.exporting, true);
  assert.equal(otlp.destination, 'http://127.0.0.1:4318 (OTLP http/protobuf)');
  await otlp.processor.shutdown();
});

test('an exporter or protocol this process does not have is a bad setting naming the variable', () => {
  const refused = (env: NodeJS.ProcessEnv, message: RegExp) =>
    assert.throws(
      () => spanProcessorFromEnv({ ...endpoint, ...env }),
      (err: unknown) => err instanceof ConfigError && message.test(err.message),
    );
  refused({ OTEL_TRACES_EXPORTER: 'zipkin' }, /^bad setting OTEL_TRACES_EXPORTER: "zipkin" is not supported/);
  refused(
    { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
    /^bad setting OTEL_EXPORTER_OTLP_PROTOCOL: "http\/json" is not supported here: http\/protobuf or grpc/,
  );
  refused(
    { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'thrift' },
    /^bad setting OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "thrift"/,
  );
});

test('http/protobuf is the default, as the specification says', async () => {
  const otlp = spanProcessorFromEnv(endpoint);
  assert.equal(otlp.destination, 'http://127.0.0.1:4318 (OTLP http/protobuf)');
  await otlp.processor.shutdown();
});

test('grpc is honoured from either variable, the traces one first', async () => {
  const grpc = spanProcessorFromEnv({
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc',
  });
  assert.equal(grpc.destination, 'http://127.0.0.1:4317 (OTLP grpc)');
  await grpc.processor.shutdown();
  const fromGeneral = spanProcessorFromEnv({ ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' });
  assert.equal(fromGeneral.destination, 'http://127.0.0.1:4318 (OTLP grpc)');
  await fromGeneral.processor.shutdown();
});
