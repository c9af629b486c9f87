import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { Resource } from '@opentelemetry/resources';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createEncryptionCodec, createKeyRing } from '../../src/payload-codec';
import { TEST_PAYLOAD_KEY } from '../helpers/payload';

Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });

const dir = join(__dirname, '..', 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

// Histories of runs started before tracing (untraced-*) and after must all replay, with tracing on as in
// production: a change that breaks workflows already running fails here.
test('recorded histories replay against the current workflow code without non-determinism', async () => {
  assert.ok(files.filter((f) => f.startsWith('untraced-')).length >= 4, 'histories from before tracing');
  assert.ok(files.filter((f) => !f.startsWith('untraced-')).length >= 4, 'histories with tracing');
  const histories = files.map((file) => ({
    workflowId: file,
    history: JSON.parse(readFileSync(join(dir, file), 'utf8')) as unknown,
  }));
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories(
    {
      workflowsPath: require.resolve('../../src/workflows'),
      replayName: 'mlx-jobs-replay',
      // Histories recorded with payload encryption decode with the harness's key; older, plain ones pass.
      dataConverter: { payloadCodecs: [createEncryptionCodec(createKeyRing([TEST_PAYLOAD_KEY]))] },
      plugins: [
        new OpenTelemetryPlugin({ resource: new Resource({}), spanProcessor: new NoopSpanProcessor() }),
      ],
    },
    histories,
  )) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  assert.deepEqual(failures, []);
});
