/**
 * Records the histories the replay test replays. Run it after a deliberate, versioned change to the
 * workflow (`npm run record-histories [NAME...]`), never to make a failing replay test pass. Files are
 * named `<ROUND>-<name>.json` (the first round has no prefix) and never overwritten: after the next
 * workflow change, bump ROUND and record again, so runs started under every version stay covered.
 * With names, only those recordings run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import {
  backfillSchedule,
  batchOf,
  cancelJob,
  createSchedules,
  describeJobRun,
  discardDeadLetter,
  getJob,
  retryDeadLetter,
  waitForJob,
  type StartedJob,
} from '../../src/client-library';
import { scheduledJobId, workflowIdFor } from '../../src/contract';
import { createOpenProfiles, createProfileSlots, hostTaskQueue } from '../../src/host';
import { startWebhookReceiver } from '../../src/demo/webhook-receiver';
import { freePort } from '../../src/dev/free-port';
import { findTemporalCli } from '../../src/dev/temporal-dev-server';
import { createMlxWorker } from '../../src/worker-process/mlx-worker';
import { startTelemetry } from '../../src/telemetry';
import { startHarness, WEBHOOK_SECRET, workflowBundle, type Harness } from '../helpers/harness';
import { processesWith, waitUntil } from '../helpers/processes';
import { bannedAccounts, countedRuns } from '../helpers/test-tasks';

/** The recording round: bump it after a workflow change (patch) and record again. */
const ROUND = 'r3';

interface Recording {
  name: string;
  spec: Parameters<Harness['submit']>[0];
  deadLetterRetentionMs?: number;
  /** Also record the run the job continued as (a dead letter's retry), as `<name>-next-run`. */
  nextRun?: boolean;
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
    nextRun: true,
  },
  {
    name: 'dead-letter-expired',
    spec: { job_id: 'replay-dlq-expired', task: { name: 'banned_while_flagged', input: { account: 'a3' } } },
    deadLetterRetentionMs: 3_000,
    async operate(h, jobId) {
      bannedAccounts.add('a3');
      await parked(h, jobId);
    },
  },
  {
    name: 'deadline',
    spec: {
      job_id: 'replay-deadline',
      task: { name: 'hold_browser', input: { ms: 20_000 } },
      deadline_ms: 3_000,
    },
  },
  {
    // browser-crash-restart: the task's browser is killed, the job starts the profile again.
    name: 'browser-crashed',
    spec: {
      job_id: 'replay-browser-crashed',
      profile_id: 'replay-browser-crashed',
      task: { name: 'counted_hold', input: { ms: 3_000 } },
    },
    async operate(h, jobId) {
      await waitUntil(() => countedRuns.get(jobId) === 1, 30_000);
      const [browser] = processesWith(`--user-data-dir=${join(h.dataDir, 'profiles', jobId)}`).filter(
        (p) => !p.args.some((arg) => arg.startsWith('--type=')),
      );
      process.kill(-browser!.pid, 'SIGKILL');
      await waitForJob(h.client, jobId);
    },
  },
  {
    name: 'failed-stop',
    spec: { job_id: 'replay-failed-stop', profile_id: 'replay-failed-stop' },
    async operate(h) {
      // Every stop fails until the job ends; the lease stays held; then the reaper stops the profile.
      h.launcher.faults!.set('replay-failed-stop', { error: 'AGENT_DOWN', on: 'stop', times: 1_000 });
      await waitForJob(h.client, 'replay-failed-stop');
      h.launcher.faults!.clear('replay-failed-stop');
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
    // run-metadata: current details, activity summaries, the job span's id in the memo, parked and
    // retried (the continue-as-new carries the span the retry links to).
    name: 'run-metadata-retried',
    spec: {
      job_id: 'replay-run-metadata',
      task: { name: 'banned_while_flagged', input: { account: 'a5' } },
    },
    deadLetterRetentionMs: 600_000,
    async operate(h, jobId) {
      bannedAccounts.add('a5');
      await parked(h, jobId);
      bannedAccounts.delete('a5');
      await retryDeadLetter(h.client, jobId);
      await waitForJob(h.client, jobId);
    },
  },
  {
    // A backfilled run of a schedule: its template's relative dates resolved at its scheduled time.
    name: 'scheduled-run',
    spec: { job_id: 'replay-scheduled', task: { name: 'read_title', input: { title: 'yesterday' } } },
    start: recordScheduledRun,
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
  {
    // The job moves to another host, then its deadline passes there: parked, then discarded.
    name: 'failover-dead-letter',
    spec: {
      job_id: 'replay-failover-dlq',
      task: { name: 'hold_browser', input: { ms: 60_000 } },
      deadline_ms: 15_000,
      policies: {
        startProfile: quickHostTimeouts,
        cdpConnect: quickHostTimeouts,
        executeTask: { ...quickHostTimeouts, heartbeat_ms: 2_000 },
        stopProfile: quickHostTimeouts,
      },
    },
    deadLetterRetentionMs: 600_000,
    start: recordHostFailover,
    async operate(h, jobId) {
      await parked(h, jobId);
      await discardDeadLetter(h.client, jobId, 'recorded for the replay test');
    },
  },
];

async function main(names: string[]): Promise<void> {
  // The reaper must not free the stand-in slots recordHostFailover takes (their runs do not exist).
  const h = await startHarness({ launcher: { faults: true }, reaperIntervalMs: 600_000 });
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
      save(`${ROUND}-${recording.name}`, historyJson(h, started.workflow_id, started.run_id));
      if (recording.nextRun) {
        const latest = await h.client.workflow.getHandle(started.workflow_id).describe();
        save(`${ROUND}-${recording.name}-next-run`, historyJson(h, started.workflow_id, latest.runId));
      }
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
  const started = await h.submit(job.spec, { deadLetterRetentionMs: job.deadLetterRetentionMs });
  await waitUntil(
    async () => (await getJob(h.client, started.job_id)).progress?.current_step === 'executeTask',
    30_000,
  );
  for (const blocker of blockers) h.deps.slots.free(blocker);
  doomed.shutdownNow();
  await running;
  await connection.close();
  await telemetry.shutdown();
  return started;
}

/**
 * A schedule (06:00 in Asia/Tokyo, paused) backfilled over 2024-03-01 takes one run, scheduled at
 * 2024-02-29T21:00:00Z: its `yesterday` is 2024-02-29.
 */
async function recordScheduledRun(h: Harness, recording: Recording): Promise<StartedJob> {
  const scheduleId = recording.spec.job_id;
  const template = { ...h.jobFields(scheduleId), task: recording.spec.task };
  const created = await createSchedules(
    h.client,
    batchOf([
      {
        schedule_id: scheduleId,
        spec: { cron: '0 6 * * *', time_zone: 'Asia/Tokyo' },
        paused: true,
        template,
      },
    ]),
    h.startOptions,
  );
  if (created.created.length !== 1) throw new Error(`schedule not created: ${JSON.stringify(created)}`);
  const backfill = await backfillSchedule(h.client, scheduleId, { from: '2024-03-01', to: '2024-03-01' });
  const jobId = scheduledJobId(scheduleId, new Date(backfill.to_start[0]!));
  await waitUntil(async () => (await describeJobRun(h.client, jobId)).state === 'completed', 30_000);
  const run = await describeJobRun(h.client, jobId);
  return { job_id: jobId, workflow_id: workflowIdFor(jobId), run_id: run.run_id!, created: true };
}

/** Writes a history file, refusing to replace one: recorded histories are evidence, not output. */
function save(name: string, json: string): void {
  const file = join(__dirname, `${name}.json`);
  if (existsSync(file)) throw new Error(`${file} exists: bump ROUND in ${__filename} to record a new round`);
  writeFileSync(file, json);
  console.log(`recorded ${file}`);
}

/** The run's history in the JSON form `temporal workflow show` prints and the replayer reads. */
function historyJson(h: Harness, workflowId: string, runId: string): string {
  return execFileSync(
    findTemporalCli(),
    ['workflow', 'show', '--address', h.server.address, '-w', workflowId, '-r', runId, '--output', 'json'],
    { encoding: 'utf8' },
  );
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
