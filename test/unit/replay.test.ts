import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { Resource } from '@opentelemetry/resources';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createEncryptionCodec, createKeyRing } from '../../src/payload-codec';
import { TEST_PAYLOAD_KEY } from '../helpers/payload';
import { workflowBundle } from '../helpers/workflow-bundle';

Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });

const root = join(__dirname, '..', 'histories');
/** One corpus per release (test/histories/<release>/), each recorded once; docs/versioning.md. */
const releases = readdirSync(root).filter((entry) => statSync(join(root, entry)).isDirectory());
const corpus = (release: string) =>
  readdirSync(join(root, release))
    .filter((f) => f.endsWith('.json'))
    .map((file) => ({ name: `${release}/${file}`, path: join(root, release, file) }));

/** The workflow type a recorded history is of, from its first event. */
function workflowType(path: string): string {
  const history = JSON.parse(readFileSync(path, 'utf8')) as {
    events: { workflowExecutionStartedEventAttributes?: { workflowType?: { name?: string } } }[];
  };
  return history.events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? '?';
}

test('every release has a corpus of both workflow types', () => {
  assert.ok(releases.includes('1.0'), `releases recorded: ${releases.join(', ')}`);
  for (const release of releases) {
    const types = new Set(corpus(release).map((h) => workflowType(h.path)));
    assert.deepEqual([...types].sort(), ['profileQueue', 'runJob'], `${release}: workflow types recorded`);
  }
});

// Every release's histories replay against today's code, with tracing on as in production: a change to
// the commands a workflow emits, without a patch, fails here (docs/versioning.md).
for (const release of releases) {
  test(`the ${release} corpus replays against the current workflow code without non-determinism`, async () => {
    const histories = corpus(release).map((h) => ({
      workflowId: h.name,
      history: JSON.parse(readFileSync(h.path, 'utf8')) as unknown,
    }));
    assert.ok(histories.length >= 20, `${histories.length} histories in ${release}`);
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories(
      {
        workflowBundle: await workflowBundle(),
        replayName: 'mlx-jobs-replay',
        // The corpus is recorded with the harness's payload encryption.
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
}
