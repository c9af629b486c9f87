import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';
import { Worker, type NativeConnection, type WorkflowBundle } from '@temporalio/worker';
import { metricsSinks, type Telemetry } from '../telemetry';
import { createHostActivities, createSharedActivities, type ActivityDeps } from '../activities';
import type { WorkerConfig } from '../config';
import { hostTaskQueue } from '../host';
import type { RuntimeDeps } from './build-deps';
import { stopOrphanProfiles } from './orphan-profiles';
import { ensureSearchAttributes } from './register-search-attributes';

export interface MlxWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A prebuilt bundle (tests build one for many workers); by default the workflows are bundled here. */
  workflowBundle?: WorkflowBundle;
  /** Time given to running activities to finish after shutdown starts, before they are cancelled. */
  shutdownGraceTimeMs?: number;
  /** Traces workflows and activities (Temporal's spans and the job's) through this SDK setup. */
  telemetry: Pick<Telemetry, 'resource' | 'spanProcessor'>;
  /** The launcher is this worker's alone (embedded): all it reports at start-up is this worker's. */
  launcherIsPrivate?: boolean;
}

export interface MlxWorker {
  /**
   * Stops what the launcher still has open from an earlier run, then polls; resolves once both pollers
   * stopped and every profile this worker opened is stopped.
   */
  run(): Promise<void>;
  shutdown(): void;
  /** True while both Temporal workers poll their queues (for /readyz). */
  isPolling(): boolean;
}

/** The worker for a configuration and the dependencies built from it (buildActivityDeps). */
export function createConfiguredWorker(
  config: WorkerConfig,
  runtime: RuntimeDeps,
  connection: NativeConnection,
  telemetry: MlxWorkerOptions['telemetry'],
): Promise<MlxWorker> {
  return createMlxWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.taskQueue,
    deps: runtime.deps,
    telemetry,
    launcherIsPrivate: runtime.launcherIsPrivate,
  });
}

/**
 * One worker process polls two queues: the shared one (workflows, lease and webhook steps) and its own
 * (startProfile … stopProfile), so the steps that drive a browser run where that browser lives.
 */
export async function createMlxWorker(options: MlxWorkerOptions): Promise<MlxWorker> {
  const { connection, namespace, taskQueue, deps } = options;
  // Jobs are started with these and parked dead letters are found by them.
  await ensureSearchAttributes(connection, namespace, deps.log);
  const plugin = new OpenTelemetryPlugin(options.telemetry);
  const common = {
    connection,
    namespace,
    shutdownGraceTime: options.shutdownGraceTimeMs ?? 10_000,
    plugins: [plugin],
  };
  const shared = await Worker.create({
    ...common,
    taskQueue,
    identity: `${deps.workerId}/shared`,
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: require.resolve('../workflows') }),
    activities: createSharedActivities(deps),
    // The workflow's metric events (job outcomes, dead letters): recorded here, never on replay.
    sinks: metricsSinks(),
  });
  const host = await Worker.create({
    ...common,
    taskQueue: hostTaskQueue(taskQueue, deps.workerId),
    identity: `${deps.workerId}/host`,
    activities: createHostActivities(deps),
  });
  const workers = [shared, host];
  const shutdown = () => {
    for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
  };

  return {
    async run() {
      // Before polling: a host step arriving now would find its fresh browser stopped.
      await stopOrphanProfiles(deps, { launcherIsPrivate: options.launcherIsPrivate ?? false });
      // If one poller dies the other must stop too, or the process would half-serve its queues.
      const results = await Promise.allSettled(
        workers.map((worker) =>
          worker.run().catch((err: unknown) => {
            shutdown();
            throw err;
          }),
        ),
      );
      await stopOpenProfiles(deps);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
    shutdown,
    isPolling: () => workers.every((worker) => worker.getState() === 'RUNNING'),
  };
}

/** No browser outlives its worker: whatever the workflows could not stop yet is stopped here. */
async function stopOpenProfiles(deps: ActivityDeps): Promise<void> {
  for (const profileId of [...deps.openProfiles]) {
    try {
      await deps.launcher.stopProfile(profileId);
      deps.openProfiles.delete(profileId);
      deps.log.info('stopped profile left open at shutdown', { profile_id: profileId });
    } catch (err) {
      deps.log.error('could not stop profile at shutdown', { profile_id: profileId, error: err });
    }
  }
}
