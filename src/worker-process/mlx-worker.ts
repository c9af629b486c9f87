import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client, QueryRejectCondition } from '@temporalio/client';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';
import type { DataConverter } from '@temporalio/common';
import {
  bundleWorkflowCode,
  Runtime,
  Worker,
  type NativeConnection,
  type WorkerOptions,
  type WorkflowBundleOption,
} from '@temporalio/worker';
import {
  createHostActivities,
  createSharedActivities,
  profileQueueActivities,
  runIsOpen,
  type ActivityDeps,
  type HostActivities,
  type SharedActivities,
} from '../activities';
import type { WorkerConfig } from '../config';
import { acquireTaskQueue, hostTaskQueue, turnsTaskQueue } from '../contract';
import { FAILURE_CONVERTER_PATH } from '../payload-codec';
import { startLeaseRenewal, startReaper, type RunRef } from '../host';
import { metricsSinks, type Telemetry } from '../telemetry';
import { progressQuery } from '../workflows';
import type { RuntimeDeps } from './build-deps';
import { ensureSearchAttributes } from './register-search-attributes';
import { profileSlotGate } from './slot-gate';

export interface MlxWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A prebuilt bundle (tests build one for many workers); by default the workflows are bundled here. */
  workflowBundle?: WorkflowBundleOption;
  /**
   * How long a shutdown waits for the jobs this worker hosts to finish their host steps (it takes no new
   * ones meanwhile) before it stops polling. Default 30 minutes, executeTask's start-to-close.
   */
  drainGraceMs?: number;
  /** Once polling stops, how long steps still running get before they are cancelled. */
  shutdownGraceTimeMs?: number;
  /** How often the reaper reconciles open profiles and slots with the lease store and Temporal. */
  reaperIntervalMs?: number;
  /** Traces workflows and activities (Temporal's spans and the job's) through this SDK setup. */
  telemetry: Pick<Telemetry, 'resource' | 'spanProcessor'>;
  /** Encryption and the claim-check store (src/payload-codec); plain inline payloads when absent. */
  dataConverter?: DataConverter;
  /** Steps to run instead of the real ones, by name: bench/ measures orchestration with no-op steps. */
  replaceActivities?: { shared?: Partial<SharedActivities>; host?: Partial<HostActivities> };
}

export interface MlxWorker {
  /**
   * Stops what the launcher still has open from an earlier run, then creates its Temporal workers and
   * polls; resolves once every poller stopped and every profile this worker opened is stopped. After a
   * shutdown requested before run() or during that first sweep it polls nothing and resolves at once.
   */
  run(): Promise<void>;
  /** Drains (takes no new jobs, lets the hosted ones finish up to the drain grace), then stops. */
  shutdown(): void;
  /** Stops at once, without waiting for hosted jobs (a second signal). */
  shutdownNow(): void;
  /** True while every Temporal worker polls its queue (for /readyz). */
  isPolling(): boolean;
}

/**
 * The bundle an installed package ships (dist/workflow-bundle.js, made by its build from the same
 * workflow sources), so a production worker starts without webpack; absent in a checkout of the sources.
 */
function shippedBundle(): WorkflowBundleOption | undefined {
  const codePath = join(__dirname, '..', 'workflow-bundle.js');
  return existsSync(codePath) ? { codePath } : undefined;
}

export const DEFAULT_DRAIN_GRACE_MS = 30 * 60 * 1000;
/** How long a drain waits, once hosted jobs stopped their profiles, for their release and report. */
const REPORT_GRACE_MS = 30_000;

/** The worker for a configuration and the dependencies built from it (buildActivityDeps). */
export function createConfiguredWorker(
  config: WorkerConfig,
  runtime: RuntimeDeps,
  connection: NativeConnection,
  telemetry: MlxWorkerOptions['telemetry'],
  workflowBundle?: MlxWorkerOptions['workflowBundle'],
): Promise<MlxWorker> {
  return createMlxWorker({
    connection,
    workflowBundle,
    namespace: config.temporal.namespace,
    taskQueue: config.taskQueue,
    deps: runtime.deps,
    telemetry,
    dataConverter: runtime.payload.dataConverter,
    drainGraceMs: config.drainGraceMs,
    reaperIntervalMs: config.reaperIntervalMs,
  });
}

/**
 * One worker process polls two queues: the shared one (workflows, lease and webhook steps) and its own
 * (startProfile … stopProfile), so the steps that drive a browser run where that browser lives. Its
 * reaper stops and frees what no live job owns.
 */
export async function createMlxWorker(options: MlxWorkerOptions): Promise<MlxWorker> {
  const { connection, namespace, deps } = options;
  // Jobs are started with these and parked dead letters are found by them.
  await ensureSearchAttributes(connection, namespace, deps.log);
  const plugin = new OpenTelemetryPlugin(options.telemetry);
  const common = {
    connection,
    namespace,
    shutdownGraceTime: options.shutdownGraceTimeMs ?? 10_000,
    plugins: [plugin],
    dataConverter: options.dataConverter,
  };
  // Reads the runs' progress and answers updates, so it decodes payloads as the workers do.
  // A query to a closed run (a profile queue that went idle) is refused at once, not answered by replay.
  const temporal = new Client({
    connection,
    namespace,
    dataConverter: options.dataConverter,
    workflow: { queryRejectCondition: QueryRejectCondition.NOT_OPEN },
  });
  // Bundled once for both workflow workers; the plugin puts the tracing interceptors in.
  const workflowBundle =
    options.workflowBundle ??
    shippedBundle() ??
    (await bundleWorkflowCode({
      workflowsPath: require.resolve('../workflows'),
      failureConverterPath: FAILURE_CONVERTER_PATH,
      plugins: [plugin],
      logger: Runtime.instance().logger,
    }));
  const reaper = startReaper(
    { ...deps, runIsOpen: (run) => runIsOpen(temporal, run) },
    options.reaperIntervalMs ?? 5_000,
  );
  const renewal = startLeaseRenewal(deps);
  let workers: Worker[] = [];
  const stopPolling = () => {
    for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
  };
  let draining: Promise<void> | undefined;
  let forced = false;
  const stop = () => {
    draining ??= drainThenStop();
  };
  const drainThenStop = async () => {
    deps.slots.drain();
    const until = Date.now() + (options.drainGraceMs ?? DEFAULT_DRAIN_GRACE_MS);
    const runs = deps.slots.holders();
    const waitFor = async (what: string, done: () => Promise<boolean> | boolean, deadline = until) => {
      while (!forced && Date.now() < deadline && !(await done())) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      if (!forced && !(await done()))
        deps.log.warn(`drain grace ended before ${what}`, { jobs: runs.length });
    };
    if (runs.length > 0)
      deps.log.info('draining: waiting for the jobs this worker hosts', { jobs: runs.length });
    await waitFor('the hosted jobs stopped their profiles', () => deps.slots.holders().length === 0);
    // Their last steps (release, report) run on the shared queue: give them a moment here too, so a lone
    // worker's deploy does not leave every report to the next start.
    await waitFor(
      'the hosted jobs reported',
      async () => (await Promise.all(runs.map((run) => runIsSettled(temporal, run)))).every(Boolean),
      Math.min(until, Date.now() + REPORT_GRACE_MS),
    );
    stopPolling();
  };

  return {
    async run() {
      let results: PromiseSettledResult<void>[] = [];
      try {
        // Before polling: a host step arriving now would find its fresh browser stopped.
        if (!draining) await reaper.sweep();
        // A shutdown requested before run() or during the sweep: nothing is polled.
        if (!draining) workers = await createTemporalWorkers(options, common, workflowBundle, temporal);
        // If one poller dies the other must stop too, or the process would half-serve its queues.
        const polling = Promise.allSettled(
          workers.map((worker) =>
            worker.run().catch((err: unknown) => {
              stopPolling();
              throw err;
            }),
          ),
        );
        // A shutdown while they were being created found none to stop: they stop as they start.
        if (draining) stopPolling();
        results = await polling;
      } finally {
        await reaper.stop();
        await stopOpenProfiles(deps);
        await renewal.stop();
      }
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
    shutdown: stop,
    shutdownNow() {
      forced = true;
      stop();
    },
    isPolling: () => workers.length > 0 && workers.every((worker) => worker.getState() === 'RUNNING'),
  };
}

/**
 * The four Temporal workers of one worker process. Created when it starts polling, not before: a worker
 * that never ran cannot be stopped, and would hold its connection open for good.
 */
async function createTemporalWorkers(
  options: MlxWorkerOptions,
  common: Pick<WorkerOptions, 'connection' | 'namespace' | 'shutdownGraceTime' | 'plugins' | 'dataConverter'>,
  workflowBundle: WorkflowBundleOption,
  temporal: Client,
): Promise<Worker[]> {
  const { taskQueue, deps } = options;
  const replaced = options.replaceActivities ?? {};
  const { acquireLease, ...sharedActivities } = {
    ...createSharedActivities(deps, temporal),
    ...replaced.shared,
  };
  const shared = await Worker.create({
    ...common,
    taskQueue,
    identity: `${deps.workerId}/shared`,
    workflowBundle,
    activities: sharedActivities,
    // The workflow's metric events (job outcomes, dead letters): recorded here, never on replay.
    sinks: metricsSinks(),
  });
  // Polled only while this worker has a free profile slot: see profileSlotGate.
  const fixed = (numSlots: number) => ({ type: 'fixed-size' as const, numSlots });
  const acquire = await Worker.create({
    ...common,
    taskQueue: acquireTaskQueue(taskQueue),
    identity: `${deps.workerId}/acquire`,
    activities: { acquireLease },
    tuner: {
      activityTaskSlotSupplier: profileSlotGate(deps.slots),
      workflowTaskSlotSupplier: fixed(1),
      localActivityTaskSlotSupplier: fixed(1),
      nexusTaskSlotSupplier: fixed(1),
    },
  });
  // The profiles' queue workflows: their own workflow-task slots, so a burst of jobs asking for turns
  // (each holding one of the shared worker's slots until its queue answers) cannot starve them.
  const turns = await Worker.create({
    ...common,
    taskQueue: turnsTaskQueue(taskQueue),
    identity: `${deps.workerId}/turns`,
    workflowBundle,
    activities: profileQueueActivities(temporal),
  });
  const host = await Worker.create({
    ...common,
    taskQueue: hostTaskQueue(taskQueue, deps.workerId),
    identity: `${deps.workerId}/host`,
    // acquireLease here too: a job whose profile lingers on this host leases it here (warm-profile.ts).
    activities: { ...createHostActivities(deps, temporal), acquireLease, ...replaced.host },
  });
  return [shared, turns, acquire, host];
}

/** A run that has ended its steps: closed, or its progress says it finished or is parked. */
async function runIsSettled(client: Client, run: RunRef): Promise<boolean> {
  try {
    const handle = client.workflow.getHandle(run.workflow_id, run.run_id);
    if ((await handle.describe()).status.name !== 'RUNNING') return true;
    return (await handle.query(progressQuery)).state !== 'running';
  } catch {
    return true;
  }
}

/** No browser outlives its worker: whatever the jobs could not stop yet is stopped here. */
async function stopOpenProfiles(deps: ActivityDeps): Promise<void> {
  for (const entry of deps.profiles.list()) {
    const fields = { job_id: entry.job_id, profile_id: entry.profile_id };
    try {
      await deps.launcher.stopProfile(entry.profile_id);
      deps.profiles.delete(entry.profile_id);
      deps.slots.free(entry.job_id);
      await deps.leases.release(entry.profile_id, entry.lease_token).catch(() => false);
      deps.log.info('stopped profile left open at shutdown', fields);
    } catch (err) {
      deps.log.error('could not stop profile at shutdown', { ...fields, error: err });
    }
  }
}
