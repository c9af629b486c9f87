/**
 * Records the histories the replay test replays. Run it after a deliberate, versioned change to the
 * workflow (`npm run record-histories`, or `npm run record-histories -- NAME…` for some of them), never
 * to make a failing replay test pass.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { NativeConnection } from '@temporalio/worker';
import { cancelJob, getJob, waitForJob } from '../../src/api/jobs';
import { hostTaskQueue } from '../../src/config';
import { createMlxWorker } from '../../src/runtime/mlx-worker';
import { createProfileSlots } from '../../src/runtime/profile-slots';
import { startTelemetry } from '../../src/telemetry';
import { startHarness, workflowBundle, type Harness } from '../helpers/harness';
import { waitUntil } from '../helpers/processes';

interface Recording {
  name: string;
  spec: Parameters<Harness['submit']>[0];
  cancel?: boolean;
  /** Moves the job off its first host: see recordHostFailover. */
  failover?: boolean;
}

const quickHostTimeouts = { schedule_to_start_ms: 2_000 };

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
    cancel: true,
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
    failover: true,
  },
];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const h = await startHarness();
  try {
    for (const job of RECORDINGS.filter((r) => only.length === 0 || only.includes(r.name))) {
      const started = job.failover ? await recordHostFailover(h, job) : await h.submit(job.spec);
      if (job.cancel) {
        await waitUntil(
          async () => (await getJob(h.client, started.job_id)).progress?.current_step === 'executeTask',
          20_000,
        );
        await cancelJob(h.client, started.job_id);
      }
      await waitForJob(h.client, started.job_id).catch(() => undefined);
      const history = await h.client.workflow.getHandle(started.workflow_id).fetchHistory();
      const file = join(__dirname, `${job.name}.json`);
      writeFileSync(file, historyToJSON(history));
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
async function recordHostFailover(h: Harness, job: Recording) {
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
      openProfiles: new Set(),
      slots: createProfileSlots(8),
    },
    workflowBundle: await workflowBundle(),
    shutdownGraceTimeMs: 500,
    telemetry,
  });
  const running = doomed.run();
  const blockers = Array.from({ length: h.deps.slots.max }, (_, i) => `blocker-${i}`);
  for (const blocker of blockers) h.deps.slots.take(blocker, blocker);
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

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
