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
import { cancelJob, discardDeadLetter, getJob, retryDeadLetter, waitForJob } from '../../src/client-library';
import { profileQueueWorkflowId } from '../../src/contract';
import { startWebhookReceiver } from '../../src/demo/webhook-receiver';
import { freePort } from '../../src/dev/free-port';
import { findTemporalCli } from '../../src/dev/temporal-dev-server';
import { startHarness, WEBHOOK_SECRET, type Harness } from '../helpers/harness';
import { processesWith, waitUntil } from '../helpers/processes';
import { bannedAccounts, countedRuns } from '../helpers/test-tasks';
import { recordFairWaiting, recordHostFailover, recordScheduledRun, type Recording } from './starters';

/** The recording round: bump it after a workflow change (patch) and record again. */
const ROUND = 'r5';

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
    // Since `access-check` startProfile gets the task, whose credentials the host checks first.
    name: 'access-check',
    spec: { job_id: 'replay-access-check', task: { name: 'read_title', input: { title: 't' } } },
  },
  {
    // Waits for its profile's turn behind another job; the profile's queue run is recorded too.
    name: 'fair-waiting',
    spec: {
      job_id: 'replay-fair-waiting',
      profile_id: 'replay-fair-profile',
      task: { name: 'read_title', input: { title: 't' } },
    },
    start: recordFairWaiting,
    async operate(h, jobId) {
      await waitForJob(h.client, jobId);
      const queue = await h.client.workflow
        .getHandle(profileQueueWorkflowId('replay-fair-profile'))
        .describe();
      save(`${ROUND}-profile-queue`, historyJson(h, queue.workflowId, queue.runId));
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
