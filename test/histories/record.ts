/**
 * Records the histories the replay test replays. Run it after a deliberate, versioned change to the
 * workflow (`npm run record-histories [NAME...]`), never to make a failing replay test pass. With names,
 * only those histories are recorded; the others are kept as they are.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import { discardDeadLetter, retryDeadLetter } from '../../src/client-library';
import { cancelJob, getJob, waitForJob, type StartedJob } from '../../src/client-library';
import { createOpenProfiles, createProfileSlots, hostTaskQueue } from '../../src/host';
import { startWebhookReceiver } from '../../src/demo/webhook-receiver';
import { freePort } from '../../src/dev/free-port';
import { findTemporalCli } from '../../src/dev/temporal-dev-server';
import { createMlxWorker } from '../../src/worker-process/mlx-worker';
import { startTelemetry } from '../../src/telemetry';
import { startHarness, WEBHOOK_SECRET, workflowBundle, type Harness } from '../helpers/harness';
import { waitUntil } from '../helpers/processes';
import { bannedAccounts } from '../helpers/test-tasks';

interface Recording {
  name: string;
  spec: Parameters<Harness['submit']>[0];
  deadLetterRetentionMs?: number;
  /** What an operator does while the job runs or waits; the job then runs to its end. */
  operate?: (h: Harness, jobId: string) => Promise<void>;
  /** Starts the job some other way than h.submit (see recordHostFailover). */
  start?: (h: Harness, recording: Recording) => Promise<StartedJob>;
}

const quickHostTimeouts = { schedule_to_start_ms: 2_000 };

const parked = (h: Harness, jobId: string) =>
  waitUntil(async () => (await getJob(h.client, jobId)).progress?.state === 'dead_letter', 30_000);

const RECORDINGS: Recording[] = [
  {
    name: 'completed',
    spec: { job_id: 'replay-completed', task: { name: 'read_title', input: { title: 't' } } },
  },
  { name: 'completed-no-webhook', spec: { job_id: 'replay-no-webhook', callback_url: undefined } },
  { name: 'task-failed', spec: { job_id: 'replay-failed', task: { name: 'always_fails', input: {} } } },
  {
    name: 'cancelled',
    spec: { job_id: 'replay-cancelled', task: { name: 'wait_until_cancelled', input: {} } },
    async operate(h, jobId) {
      await waitUntil(
        async () => (await getJob(h.client, jobId)).progress?.current_step === 'executeTask',
        20_000,
      );
      await cancelJob(h.client, jobId);
    },
  },
  {
    name: 'dead-letter-retried',
    spec: { job_id: 'replay-dlq-retried', task: { name: 'banned_while_flagged', input: { account: 'a1' } } },
    deadLetterRetentionMs: 600_000,
    async operate(h, jobId) {
      bannedAccounts.add('a1');
      await parked(h, jobId);
      bannedAccounts.delete('a1');
      await retryDeadLetter(h.client, jobId, { profile_id: 'replay-other-profile' });
    },
  },
  {
    name: 'dead-letter-discarded',
    spec: {
      job_id: 'replay-dlq-discarded',
      task: { name: 'banned_while_flagged', input: { account: 'a2' } },
    },
    deadLetterRetentionMs: 600_000,
    async operate(h, jobId) {
      bannedAccounts.add('a2');
      await parked(h, jobId);
      await discardDeadLetter(h.client, jobId, 'recorded for the replay test');
    },
  },
  {
    name: 'host-failover',
    spec: {
      job_id: 'replay-host-failover',
      task: { name: 'hold_browser', input: { ms: 3_000 } },
      policies: {
        startProfile: quickHostTimeouts,
        cdpConnect: quickHostTimeouts,
        executeTask: { ...quickHostTimeouts, heartbeat_ms: 2_000 },
        stopProfile: quickHostTimeouts,
      },
    },
    start: recordHostFailover,
  },
];

async function main(names: string[]): Promise<void> {
  const h = await startHarness();
  const webhookPort = await freePort();
  RECORDINGS.push({
    name: 'dead-letter-webhook-redelivered',
    spec: {
      job_id: 'replay-dlq-webhook',
      callback_url: `http://127.0.0.1:${webhookPort}/hooks`,
      policies: { postWebhook: { retry: { initial_interval_ms: 100, maximum_attempts: 2 } } },
    },
    deadLetterRetentionMs: 600_000,
    async operate(harness, jobId) {
      await parked(harness, jobId);
      const receiver = await startWebhookReceiver({ port: webhookPort, secret: WEBHOOK_SECRET });
      try {
        await retryDeadLetter(harness.client, jobId);
        await waitForJob(harness.client, jobId);
      } finally {
        await receiver.close();
      }
    },
  });
  try {
    for (const recording of RECORDINGS.filter((r) => names.length === 0 || names.includes(r.name))) {
      const started = recording.start
        ? await recording.start(h, recording)
        : await h.submit(recording.spec, { deadLetterRetentionMs: recording.deadLetterRetentionMs });
      const waiting = recording.operate?.(h, started.job_id);
      await waiting;
      await h.client.workflow
        .getHandle(started.workflow_id)
        .result()
        .catch(() => undefined);
      // A retried dead letter continues as new: the first run holds the park and the retry decision.
      const file = join(__dirname, `${recording.name}.json`);
      writeFileSync(file, historyJson(h, started));
      console.log(`recorded ${file}`);
    }
  } finally {
    await h.close();
  }
}

/**
 * A second worker ("doomed") takes the job while the harness worker is full (every slot taken), and is
 * shut down during the task: its queue goes silent, the workflow moves the job to the harness worker.
 */
async function recordHostFailover(h: Harness, job: Recording): Promise<StartedJob> {
  const connection = await NativeConnection.connect({ address: h.server.address });
  const telemetry = startTelemetry({ serviceName: 'mlx-worker', env: {} });
  const doomed = await createMlxWorker({
    connection,
    namespace: 'default',
    taskQueue: h.taskQueue,
    deps: {
      ...h.deps,
      workerId: 'doomed-worker',
      hostTaskQueue: hostTaskQueue(h.taskQueue, 'doomed-worker'),
      launcherShared: false,
      profiles: createOpenProfiles(),
      slots: createProfileSlots(8),
    },
    workflowBundle: await workflowBundle(),
    shutdownGraceTimeMs: 500,
    telemetry,
  });
  const running = doomed.run();
  const blockers = Array.from({ length: h.deps.slots.max }, (_, i) => `blocker-${i}`);
  for (const blocker of blockers) {
    h.deps.slots.take({ job_id: blocker, profile_id: blocker, workflow_id: blocker, run_id: blocker });
  }
  const started = await h.submit(job.spec);
  await waitUntil(
    async () => (await getJob(h.client, started.job_id)).progress?.current_step === 'executeTask',
    30_000,
  );
  for (const blocker of blockers) h.deps.slots.free(blocker);
  doomed.shutdown();
  await running;
  await connection.close();
  await telemetry.shutdown();
  return started;
}

/** The run's history in the JSON form `temporal workflow show` prints and the replayer reads. */
function historyJson(h: Harness, started: StartedJob): string {
  return execFileSync(
    findTemporalCli(),
    [
      'workflow',
      'show',
      '--address',
      h.server.address,
      '-w',
      started.workflow_id,
      '-r',
      started.run_id,
      '--output',
      'json',
    ],
    { encoding: 'utf8' },
  );
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
