import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';
import { Worker } from '@temporalio/worker';
import { Resource } from '@opentelemetry/resources';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createEncryptionCodec, createKeyRing } from '../../src/payload-codec';
import { TEST_PAYLOAD_KEY } from '../helpers/payload';
import { installQuietRuntime } from '../helpers/quiet-runtime';
import { workflowBundle } from '../../src/dev/workflow-bundle';

installQuietRuntime();

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
    // 1.0's corpus covers every branch of both workflows; a later release's, the branches it adds.
    const fewest = release === '1.0' ? 20 : 2;
    assert.ok(histories.length >= fewest, `${histories.length} histories in ${release}`);
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories(
      {
        workflowBundle: await workflowBundle(),
        replayName: 'mlx-jobs-replay',
        // The corpus is recorded with the harness's payload encryption, and replays on a worker that
        // refuses plaintext input (MLX_PAYLOAD_ALLOW_PLAINTEXT unset).
        dataConverter: {
          payloadCodecs: [
            createEncryptionCodec(createKeyRing([TEST_PAYLOAD_KEY]), { refusePlaintext: true }),
          ],
        },
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

/** The patch ids a history's markers record (core_patch markers carry `{"id": ...}` as their data). */
function patchesIn(path: string): string[] {
  const history = JSON.parse(readFileSync(path, 'utf8')) as {
    events: {
      markerRecordedEventAttributes?: {
        markerName?: string;
        details?: Record<string, { payloads: { data: string }[] }>;
      };
    }[];
  };
  return history.events.flatMap((event) => {
    const marker = event.markerRecordedEventAttributes;
    if (marker?.markerName !== 'core_patch') return [];
    return Object.values(marker.details ?? {}).flatMap((detail) =>
      detail.payloads.map(
        (p) => (JSON.parse(Buffer.from(p.data, 'base64').toString('utf8')) as { id: string }).id,
      ),
    );
  });
}

/** Every `patched('…')` name in the code the workflow bundle takes in. */
function patchNamesInCode(): string[] {
  const names = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) {
        for (const m of readFileSync(path, 'utf8').matchAll(/\bpatched\('([^']+)'\)/g)) names.add(m[1]!);
      }
    }
  };
  walk(join(__dirname, '..', '..', 'src'));
  return [...names].sort();
}

test('every patch in the workflow code has a recorded history that takes its new branch', () => {
  const recorded = new Set(releases.flatMap((release) => corpus(release).flatMap((h) => patchesIn(h.path))));
  assert.deepEqual(
    patchNamesInCode().filter((name) => !recorded.has(name)),
    [],
    "record the release's corpus with a history through each new patch: npm run record-histories",
  );
});
