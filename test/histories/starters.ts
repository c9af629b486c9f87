/** How the recorder starts the jobs whose history needs more than a submission. */
import { NativeConnection } from '@temporalio/worker';
import {
  backfillSchedule,
  batchOf,
  createSchedules,
  describeJobRun,
  getJob,
  type StartedJob,
} from '../../src/client-library';
import { hostTaskQueue, scheduledJobId, workflowIdFor } from '../../src/contract';
import { createOpenProfiles, createProfileSlots } from '../../src/host';
import { startTelemetry } from '../../src/telemetry';
import { createPayloadHandling } from '../../src/payload-codec';
import { createMlxWorker } from '../../src/worker-process/mlx-worker';
import { workflowBundle, type Harness } from '../helpers/harness';
import { waitUntil } from '../helpers/processes';

export interface Recording {
  name: string;
  spec: Parameters<Harness['submit']>[0];
  deadLetterRetentionMs?: number;
  /** Also record the run the job continued as (a dead letter's retry), as `<name>-next-run`. */
  nextRun?: boolean;
  /** What an operator does while the job runs or waits; the job then runs to its end. */
  operate?: (h: Harness, jobId: string) => Promise<void>;
  /** Starts the job some other way than h.submit (see recordHostFailover). */
  start?: (h: Harness, recording: Recording) => Promise<StartedJob>;
  /** The histories of the job's profile queue to record after it, by name (see saveQueue). */
  queues?: string[];
}

/**
 * A second worker ("doomed") takes the job while the harness worker is full (every slot taken), and is
 * shut down during the task: its queue goes silent, the workflow moves the job to the harness worker.
 */
export async function recordHostFailover(h: Harness, job: Recording): Promise<StartedJob> {
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
    dataConverter: createPayloadHandling(h.payload).dataConverter,
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

/** The recorded job is submitted while another job holds its profile, so it waits for its turn. */
export async function recordFairWaiting(h: Harness, recording: Recording): Promise<StartedJob> {
  const profile_id = recording.spec.profile_id;
  const holder = await h.submit({
    job_id: `${recording.spec.job_id}-holder`,
    profile_id,
    task: { name: 'hold_browser', input: { ms: 3_000 } },
  });
  await waitUntil(
    async () => (await getJob(h.client, holder.job_id)).progress?.current_step === 'executeTask',
    30_000,
  );
  return h.submit(recording.spec);
}

/**
 * A schedule (06:00 in Asia/Tokyo, paused) backfilled over 2024-03-01 takes one run, scheduled at
 * 2024-02-29T21:00:00Z: its `yesterday` is 2024-02-29.
 */
export async function recordScheduledRun(h: Harness, recording: Recording): Promise<StartedJob> {
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

/** The recorded job started as anyone with access to the namespace could: its deadline is no number. */
export async function recordRefusedInput(h: Harness, recording: Recording): Promise<StartedJob> {
  const jobId = recording.spec.job_id;
  const spec = { ...h.jobFields(jobId), ...recording.spec, deadline_ms: 'soon' };
  const handle = await h.client.workflow.start('runJob', {
    taskQueue: h.taskQueue,
    workflowId: workflowIdFor(jobId),
    args: [{ spec, policies: h.policies }],
  });
  return { job_id: jobId, workflow_id: handle.workflowId, run_id: handle.firstExecutionRunId, created: true };
}
