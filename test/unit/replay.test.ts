import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { Resource } from '@opentelemetry/resources';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { workflowBundle } from '../helpers/workflow-bundle';
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
      workflowBundle: await workflowBundle(),
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

/** The patch ids a history's markers record (core_patch markers carry `{"id": ...}` as their data). */
function patchesIn(history: unknown): string[] {
  const events = (history as { events?: { markerRecordedEventAttributes?: Marker }[] }).events ?? [];
  return events.flatMap((event) => {
    const marker = event.markerRecordedEventAttributes;
    if (marker?.markerName !== 'core_patch') return [];
    return Object.values(marker.details ?? {}).flatMap((detail) =>
      detail.payloads.map(
        (p) => (JSON.parse(Buffer.from(p.data, 'base64').toString('utf8')) as { id: string }).id,
      ),
    );
  });
}
interface Marker {
  markerName?: string;
  details?: Record<string, { payloads: { data: string }[] }>;
}

/** Every `patched('…')` name in the code the workflow bundle takes in. */
function patchNamesInCode(): string[] {
  const root = join(__dirname, '..', '..', 'src');
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
  for (const folder of ['workflows', 'dead-letters', 'policies', 'contract']) walk(join(root, folder));
  return [...names].sort();
}

test('every patch in the workflow has a recorded history that takes its new branch', () => {
  const names = patchNamesInCode();
  assert.ok(names.length >= 7, `patch names found in the code: ${names.join(', ')}`);
  const recorded = new Set(
    files.flatMap((file) => patchesIn(JSON.parse(readFileSync(join(dir, file), 'utf8')))),
  );
  assert.deepEqual(
    names.filter((name) => !recorded.has(name)),
    [],
    'record a history that takes the new branch: npm run record-histories -- NAME',
  );
});
