/**
 * Records a release's corpus: the histories the replay test replays, one file per branch the workflows
 * take, from the real code path (a real dev server, real Chromium). Run it once per release
 * (`npm run record-histories [NAME...]`; docs/versioning.md), never to make a failing replay test pass.
 * Files go to `test/histories/<RELEASE>/` and are never overwritten. With names, only those recordings run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  answerQuestion,
  cancelJob,
  discardDeadLetter,
  getJob,
  retryDeadLetter,
  startJob,
  waitForJob,
} from '../../src/client-library';
import { profileQueueWorkflowId, workflowIdFor } from '../../src/contract';
import { startWebhookReceiver } from '../../src/demo/webhook-receiver';
import { freePort } from '../../src/dev/free-port';
import { findTemporalCli } from '../../src/dev/temporal-dev-server';
import { createMemoryLeaseStore } from '../../src/lease';
import { startHarness, WEBHOOK_SECRET, type Harness } from '../helpers/harness';
import { processesWith, waitUntil } from '../helpers/processes';
import { bannedAccounts, countedRuns } from '../helpers/test-tasks';
import { gate, gatedLeases, gatedSteps } from '../helpers/gates';
import {
  recordFairWaiting,
  recordHostFailover,
  recordRefusedInput,
  recordScheduledRun,
  type Recording,
} from './starters';

/** The release this corpus belongs to: a folder of its own under test/histories. */
const RELEASE = '1.1';
const DIR = join(__dirname, RELEASE);

const quickHostTimeouts = { schedule_to_start_ms: 2_000 };
const hold = (ms: number) => ({ name: 'hold_browser', input: { ms } });

const parked = (h: Harness, jobId: string) =>
  waitUntil(async () => (await getJob(h.client, jobId)).progress?.state === 'dead_letter', 30_000);
const asking = (h: Harness, jobId: string) =>
  waitUntil(async () => (await getJob(h.client, jobId)).progress?.question !== undefined, 30_000);
const atStep = (h: Harness, jobId: string, step: string) =>
  waitUntil(async () => (await getJob(h.client, jobId)).progress?.current_step === step, 30_000);

/** Cancels the job once its step reached the gate `<kind>:<job_id>`, then lets the step go on. */
const cancelAtGate =
  (kind: 'ask' | 'lease' | 'cdp') =>
  async (h: Harness, jobId: string): Promise<void> => {
    await waitUntil(() => gate(`${kind}:${jobId}`).entered, 30_000);
    await cancelJob(h.client, jobId);
    gate(`${kind}:${jobId}`).open();
  };

const RECORDINGS: Recording[] = [
  { name: 'completed', spec: { job_id: 'replay-completed' }, queues: ['queue-idle-close'] },
  { name: 'completed-no-webhook', spec: { job_id: 'replay-no-webhook', callback_url: undefined } },
  { name: 'task-failed', spec: { job_id: 'replay-failed', task: { name: 'always_fails', input: {} } } },
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
    spec: { job_id: 'replay-deadline', task: hold(20_000), deadline_ms: 3_000 },
  },
  {
    name: 'cancel-requesting-turn',
    spec: { job_id: 'replay-cancel-requesting' },
    operate: cancelAtGate('ask'),
  },
  {
    name: 'cancel-waiting-for-turn',
    spec: { job_id: 'replay-cancel-waiting', profile_id: 'replay-withdrawal-profile' },
    start: recordFairWaiting,
    async operate(h, jobId) {
      await waitUntil(async () => (await getJob(h.client, jobId)).progress?.waiting !== undefined, 30_000);
      await cancelJob(h.client, jobId);
    },
    queues: ['queue-withdrawal'],
  },
  {
    name: 'cancel-acquire-lease',
    spec: { job_id: 'replay-cancel-acquire', profile_id: 'replay-cancel-acquire' },
    operate: cancelAtGate('lease'),
  },
  {
    name: 'cancel-start-profile',
    spec: { job_id: 'replay-cancel-start', profile_id: 'replay-cancel-start' },
    async operate(h, jobId) {
      await atStep(h, jobId, 'startProfile');
      await cancelJob(h.client, jobId);
    },
  },
  {
    name: 'cancel-cdp-connect',
    spec: { job_id: 'replay-cancel-cdp' },
    operate: cancelAtGate('cdp'),
  },
  {
    name: 'cancel-execute-task',
    spec: { job_id: 'replay-cancelled', task: { name: 'wait_until_cancelled', input: {} } },
    async operate(h, jobId) {
      await atStep(h, jobId, 'executeTask');
      await cancelJob(h.client, jobId);
    },
  },
  {
    // The task completed; the cancel arrives while the profile stops and the report goes out.
    name: 'cancel-stop-profile',
    spec: { job_id: 'replay-cancel-stop', profile_id: 'replay-cancel-stop' },
    async operate(h, jobId) {
      await atStep(h, jobId, 'stopProfile');
      await cancelJob(h.client, jobId);
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
    // The profile belongs to another client: the host refuses to start it (the client did not check).
    name: 'access-refused',
    spec: { job_id: 'replay-access-refused', profile_id: 'replay-other-clients-profile' },
    start: (h, recording) =>
      startJob(
        h.client,
        { ...h.jobFields(recording.spec.job_id), ...recording.spec },
        {
          ...h.startOptions,
          profileOwners: undefined,
        },
      ),
  },
  {
    // Waits for its profile's turn behind another job: the queue grants the turn, then hands it over.
    name: 'fair-waiting',
    spec: { job_id: 'replay-fair-waiting', profile_id: 'replay-fair-profile' },
    start: recordFairWaiting,
    queues: ['queue-hand-off'],
  },
  {
    // The holder's run is terminated (while it waits to lease): the queue finds it closed and gives
    // the turn to the next job.
    name: 'holder-terminated',
    spec: { job_id: 'replay-after-terminated', profile_id: 'replay-terminated-profile' },
    async start(h, recording) {
      const holder = 'replay-terminated-holder';
      gate(`lease:${holder}`);
      await h.submit({ job_id: holder, profile_id: recording.spec.profile_id });
      await waitUntil(() => gate(`lease:${holder}`).entered, 30_000);
      const started = await h.submit(recording.spec);
      await h.client.workflow.getHandle(workflowIdFor(holder)).terminate('recorded for the replay test');
      return started;
    },
    queues: ['queue-holder-gone'],
  },
  {
    // Enough jobs in line that the queue continues as new (the recorder's server suggests it early).
    name: 'queue-continued',
    spec: { job_id: 'replay-queue-continued-4', profile_id: 'replay-busy-profile' },
    async start(h, recording) {
      for (let i = 0; i < 4; i++) {
        await h.submit({ job_id: `replay-queue-continued-${i}`, profile_id: 'replay-busy-profile' });
      }
      return h.submit(recording.spec);
    },
    queues: ['queue-continued-as-new'],
  },
  {
    // A backfilled run of a schedule: its template's relative dates resolved at its scheduled time.
    name: 'scheduled-run',
    spec: { job_id: 'replay-scheduled', task: { name: 'read_title', input: { title: 'yesterday' } } },
    start: recordScheduledRun,
  },
  {
    // Two jobs on one profile with lingering on: the second leases on the host where the first one's
    // browser lingers, and takes it over (the warm hand-over).
    name: 'warm-handover',
    spec: { job_id: 'replay-warm-second', profile_id: 'replay-warm-profile' },
    async start(h, recording) {
      h.deps.lingerMs = 60_000;
      await h.submit({ job_id: 'replay-warm-first', profile_id: 'replay-warm-profile' });
      return h.submit(recording.spec);
    },
    async operate(h, jobId) {
      await waitForJob(h.client, jobId);
      h.deps.lingerMs = 0;
    },
    queues: ['queue-warm-handover'],
  },
  {
    // 1.1-ask: the task asks a person, an operator answers, the answer is delivered to the waiting task.
    name: 'ask-answered',
    spec: {
      job_id: 'replay-ask-answered',
      profile_id: 'replay-ask-profile',
      task: { name: 'asks_for_code', input: { timeout_ms: 60_000 } },
    },
    async operate(h, jobId) {
      await asking(h, jobId);
      await answerQuestion(h.client, jobId, 'q1', 'recorded-code-1234');
    },
    queues: ['queue-ask'],
  },
  {
    // 1.1-ask: nobody answers; the job's timer closes the question, the task fails HumanAnswerTimeout.
    name: 'ask-timed-out',
    spec: { job_id: 'replay-ask-timeout', task: { name: 'asks_for_code', input: { timeout_ms: 1_500 } } },
  },
  {
    // 1.1-ask: cancelled while the task waits for an answer.
    name: 'ask-cancelled',
    spec: { job_id: 'replay-ask-cancelled', task: { name: 'asks_for_code', input: { timeout_ms: 60_000 } } },
    async operate(h, jobId) {
      await asking(h, jobId);
      await cancelJob(h.client, jobId);
    },
  },
  {
    name: 'host-failover',
    spec: {
      job_id: 'replay-host-failover',
      task: hold(3_000),
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
    // 1.1: started with plain workflow input (no client checked it), refused before it asks for a turn.
    name: 'input-refused',
    spec: { job_id: 'replay-input-refused' },
    start: recordRefusedInput,
  },
];

async function main(names: string[]): Promise<void> {
  mkdirSync(DIR, { recursive: true });
  // The gated steps reach the harness's client once it is up.
  const h: Harness = await startHarness({
    launcher: { faults: true },
    // The reaper must not free the stand-in slots recordHostFailover takes (their runs do not exist).
    reaperIntervalMs: 600_000,
    profileOwners: {
      profiles: { 'replay-other-clients-profile': 'client-43' },
      folders: { 'folder-test': 'client-42' },
    },
    leases: gatedLeases(createMemoryLeaseStore()),
    replaceActivities: gatedSteps(() => h.client),
    // Profile queues continue as new after a few dozen events here, so a short line records it.
    devServer: { dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 40 } },
  });
  // Armed before any job runs: these recordings hold a step until the test has cancelled the job.
  for (const name of ['ask:replay-cancel-requesting', 'lease:replay-cancel-acquire', 'cdp:replay-cancel-cdp'])
    gate(name);
  h.launcher.faults!.set('replay-cancel-start', { error: 'DELAY', delay_ms: 5_000 });
  h.launcher.faults!.set('replay-cancel-stop', { error: 'DELAY', on: 'stop', delay_ms: 3_000 });
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
        // An amend first, which a webhook dead letter refuses: the refused update must not change what
        // the accepted one records (its completion follows the desk's closing commands either way).
        await retryDeadLetter(harness.client, jobId, { profile_id: 'another-profile' }).catch(
          () => undefined,
        );
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
      await recording.operate?.(h, started.job_id);
      await h.client.workflow
        .getHandle(started.workflow_id)
        .result()
        .catch(() => undefined);
      // A retried dead letter continues as new: the first run holds the park and the retry decision.
      save(recording.name, historyJson(h, started.workflow_id, started.run_id));
      if (recording.nextRun) {
        const latest = await h.client.workflow.getHandle(started.workflow_id).describe();
        save(`${recording.name}-next-run`, historyJson(h, started.workflow_id, latest.runId));
      }
      for (const queue of recording.queues ?? []) await saveQueue(h, recording, queue);
    }
  } finally {
    await h.close();
  }
}

/**
 * The profile queue's history: the first run for most (grants, hand-offs, withdrawals), the closed one
 * once it went idle for `queue-idle-close`, and the run a line was carried to for a continue-as-new.
 */
async function saveQueue(h: Harness, recording: Recording, name: string): Promise<void> {
  const profileId = recording.spec.profile_id ?? h.jobFields(recording.spec.job_id).profile_id;
  const workflowId = profileQueueWorkflowId(profileId);
  const handle = h.client.workflow.getHandle(workflowId);
  if (name === 'queue-idle-close') {
    await waitUntil(async () => (await handle.describe()).status.name === 'COMPLETED', 120_000);
  }
  const runs: string[] = [];
  for await (const run of h.client.workflow.list({ query: `WorkflowId = '${workflowId}'` }))
    runs.push(run.runId);
  // Newest first: for a continue-as-new keep the first run (it carried its line on), else the only one.
  save(name, historyJson(h, workflowId, runs.at(-1)!));
}

/** Writes a history file, refusing to replace one: recorded histories are evidence, not output. */
function save(name: string, json: string): void {
  const file = join(DIR, `${name}.json`);
  if (existsSync(file)) throw new Error(`${file} exists: a release's corpus is recorded once`);
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
