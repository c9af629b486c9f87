import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
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

/** A payload as `temporal workflow show --output json` prints it: base64 metadata values and data. */
interface JsonPayload {
  metadata: Record<string, string>;
  data: string;
}
interface HistoryEvent {
  workflowExecutionStartedEventAttributes?: {
    input: { payloads: JsonPayload[] };
    searchAttributes: { indexedFields: Record<string, JsonPayload> };
  };
  activityTaskScheduledEventAttributes?: {
    activityType: { name: string };
    input: { payloads: JsonPayload[] };
  };
}

const file = join(__dirname, '..', 'histories', '1.0', 'scheduled-run.json');
const load = () => JSON.parse(readFileSync(file, 'utf8')) as { events: HistoryEvent[] };
const codec = createEncryptionCodec(createKeyRing([TEST_PAYLOAD_KEY]));
const dataConverter = { payloadCodecs: [codec] };

const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));
/** The JSON value a recorded payload holds, decrypted as the worker would. */
async function decode(payload: JsonPayload): Promise<unknown> {
  const metadata = Object.fromEntries(Object.entries(payload.metadata).map(([k, v]) => [k, bytes(v)]));
  const [plain] = await codec.decode([{ metadata, data: bytes(payload.data) }]);
  return JSON.parse(Buffer.from(plain!.data!).toString('utf8')) as unknown;
}
async function encode(value: unknown): Promise<JsonPayload> {
  const metadata = { encoding: new Uint8Array(Buffer.from('json/plain')) };
  const [sealed] = await codec.encode([
    { metadata, data: new Uint8Array(Buffer.from(JSON.stringify(value))) },
  ]);
  return {
    metadata: Object.fromEntries(
      Object.entries(sealed!.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    ),
    data: Buffer.from(sealed!.data!).toString('base64'),
  };
}

async function replay(history: unknown) {
  return Worker.runReplayHistory(
    {
      workflowBundle: await workflowBundle(),
      replayName: 'mlx-jobs-scheduled-run-replay',
      dataConverter,
      plugins: [
        new OpenTelemetryPlugin({ resource: new Resource({}), spanProcessor: new NoopSpanProcessor() }),
      ],
    },
    history,
  );
}

test('the recorded scheduled run resolved its template at its scheduled day', async () => {
  const { events } = load();
  const started = events[0]!.workflowExecutionStartedEventAttributes!;
  const scheduledAt = started.searchAttributes.indexedFields.TemporalScheduledStartTime!;
  assert.equal(JSON.parse(Buffer.from(scheduledAt.data, 'base64').toString('utf8')), '2024-02-29T21:00:00Z');
  const input = (await decode(started.input.payloads[0]!)) as {
    spec: { task: { input: unknown } };
    schedule: unknown;
  };
  assert.deepEqual(input.spec.task.input, { title: 'yesterday' }, 'the template, as the schedule sent it');
  assert.deepEqual(input.schedule, { schedule_id: 'replay-scheduled', time_zone: 'Asia/Tokyo' });
  const task = events.find(
    (e) => e.activityTaskScheduledEventAttributes?.activityType.name === 'executeTask',
  )!;
  const taskInput = (await decode(task.activityTaskScheduledEventAttributes!.input.payloads[0]!)) as {
    spec: { job_id: string; task: { input: unknown } };
  };
  // 2024-02-29T21:00Z is 06:00 on 1 March in Tokyo: yesterday is 29 February.
  assert.equal(taskInput.spec.job_id, 'replay-scheduled-2024-02-29T21:00:00Z');
  assert.deepEqual(taskInput.spec.task.input, { title: '2024-02-29' });
});

test('the scheduled run replays against the current workflow code, and replay notices a change to it', async () => {
  await replay(load());
  // The same history as if the run had not come from a schedule: the code no longer resolves a template
  // nor sets the job's search attribute, which replay must refuse.
  const changed = load();
  const started = changed.events[0]!.workflowExecutionStartedEventAttributes!;
  const input = (await decode(started.input.payloads[0]!)) as Record<string, unknown>;
  delete input.schedule;
  started.input.payloads[0] = await encode(input);
  await assert.rejects(replay(changed), /[Nn]ondetermin/);
});
