import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { Resource } from '@opentelemetry/resources';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { workflowBundle } from '../helpers/workflow-bundle';

Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });

interface Payload {
  data: string;
}
interface HistoryEvent {
  eventType: string;
  workflowExecutionStartedEventAttributes?: {
    input: { payloads: Payload[] };
    searchAttributes: { indexedFields: Record<string, Payload> };
  };
  markerRecordedEventAttributes?: { details?: { 'patch-data'?: { payloads: Payload[] } } };
  activityTaskScheduledEventAttributes?: { activityType: { name: string }; input: { payloads: Payload[] } };
}

const file = join(__dirname, '..', 'histories', 'scheduled-run.json');
const decode = (p: Payload) => JSON.parse(Buffer.from(p.data, 'base64').toString('utf8')) as unknown;
const load = () => JSON.parse(readFileSync(file, 'utf8')) as { events: HistoryEvent[] };

async function replay(history: unknown) {
  return Worker.runReplayHistory(
    {
      workflowBundle: await workflowBundle(),
      replayName: 'mlx-jobs-scheduled-run-replay',
      plugins: [
        new OpenTelemetryPlugin({ resource: new Resource({}), spanProcessor: new NoopSpanProcessor() }),
      ],
    },
    history,
  );
}

test('the recorded scheduled run took the scheduled-run branch: its dates are those of its scheduled day', () => {
  const { events } = load();
  const started = events[0]!.workflowExecutionStartedEventAttributes!;
  assert.equal(
    decode(started.searchAttributes.indexedFields.TemporalScheduledStartTime!),
    '2024-02-29T21:00:00Z',
  );
  const input = decode(started.input.payloads[0]!) as {
    spec: { task: { input: unknown } };
    schedule: unknown;
  };
  assert.deepEqual(input.spec.task.input, { title: 'yesterday' }, 'the template, as the schedule sent it');
  assert.deepEqual(input.schedule, { schedule_id: 'replay-scheduled', time_zone: 'Asia/Tokyo' });
  const patches = events.flatMap(
    (e) => e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads ?? [],
  );
  assert.ok(patches.map((p) => (decode(p) as { id: string }).id).includes('scheduled-run'));
  const task = events.find(
    (e) => e.activityTaskScheduledEventAttributes?.activityType.name === 'executeTask',
  )!;
  const taskInput = decode(task.activityTaskScheduledEventAttributes!.input.payloads[0]!) as {
    spec: { job_id: string; task: { input: unknown } };
  };
  // 2024-02-29T21:00Z is 06:00 on 1 March in Tokyo: yesterday is 29 February.
  assert.equal(taskInput.spec.job_id, 'replay-scheduled-2024-02-29T21:00:00Z');
  assert.deepEqual(taskInput.spec.task.input, { title: '2024-02-29' });
});

test('the scheduled run replays against the current workflow code, and replay notices a change to it', async () => {
  await replay(load());
  // The same history as if the run had not come from a schedule: the code no longer asks for the
  // scheduled-run patch nor sets the job's search attribute, which replay must refuse.
  const changed = load();
  const started = changed.events[0]!.workflowExecutionStartedEventAttributes!;
  const input = decode(started.input.payloads[0]!) as Record<string, unknown>;
  delete input.schedule;
  started.input.payloads[0]!.data = Buffer.from(JSON.stringify(input)).toString('base64');
  await assert.rejects(replay(changed), /[Nn]ondetermin/);
});
