import { Runtime, type NativeConnection } from '@temporalio/worker';
import type { ActivityDeps } from '../activities';
import type { WorkerConfig } from '../config';
import { deadLetterQuery, waitingQuery, type WaitReason } from '../contract';
import { jobsWaitingForSlot } from '../client-library/slot-waits';
import {
  addWorkerGauges,
  hostPort,
  portForSetting,
  startMetricsServer,
  type Logger,
  type MetricsServer,
} from '../telemetry';
import { temporalLogger } from './temporal-logger';

/**
 * Installs the Temporal SDK's runtime with its logs in our JSON lines and its own worker metrics (task
 * slots, poll and schedule-to-start latencies, sticky cache …) served by the SDK's exporter on
 * MLX_SDK_METRICS_ADDRESS: a scrape target of its own, so nothing of it passes through our /metrics.
 * Returns that exporter's URL.
 */
export async function installWorkerRuntime(
  log: Logger,
  options: {
    sdkMetrics: Pick<WorkerConfig['sdkMetrics'], 'host' | 'port' | 'defaulted'>;
    level?: 'WARN' | 'INFO';
    shutdownSignals?: NodeJS.Signals[];
  },
): Promise<string> {
  const { host, port, defaulted } = options.sdkMetrics;
  const setting = 'MLX_SDK_METRICS_ADDRESS';
  const bound = await portForSetting({ host, port, setting, anyPortIfTaken: defaulted }, log);
  const bindAddress = hostPort(host, bound);
  Runtime.install({
    logger: temporalLogger(log, options.level),
    ...(options.shutdownSignals && { shutdownSignals: options.shutdownSignals }),
    telemetryOptions: {
      metrics: { prometheus: { bindAddress, countersTotalSuffix: true, useSecondsForDurations: true } },
    },
  });
  return `http://${bindAddress}/metrics`;
}

const VISIBILITY_COUNT_TTL_MS = 15_000;

/**
 * Serves the worker's metrics, /healthz and /readyz on MLX_METRICS_ADDRESS, with its gauges read from
 * what this worker holds (leases, open profiles, slots) and, for the namespace, the jobs waiting and the
 * parked dead letters (visibility counts, cached for 15 s).
 */
export async function startWorkerMetrics(options: {
  config: Pick<WorkerConfig, 'metrics' | 'temporal' | 'taskQueue'>;
  deps: ActivityDeps;
  connection: NativeConnection;
  /** Why the worker does not take work yet, or undefined once it polls. */
  notReady: () => string | undefined;
  log: Logger;
}): Promise<MetricsServer> {
  const { deps, connection, config } = options;
  const count = (what: string, query: string) =>
    cachedCount(async () => {
      try {
        const answer = await connection.workflowService.countWorkflowExecutions({
          namespace: config.temporal.namespace,
          query,
        });
        return Number(answer.count ?? 0);
      } catch (err) {
        options.log.warn(`could not count ${what}`, { error: err });
        return undefined;
      }
    });
  const waiting: Record<WaitReason, () => Promise<number | undefined>> = {
    profile: count('the jobs waiting for their profile', waitingQuery('profile')),
    person: count("the jobs waiting for a person's answer", waitingQuery('person')),
    slot: cachedCount(() =>
      jobsWaitingForSlot(connection.workflowService, config.temporal.namespace, config.taskQueue).catch(
        (err: unknown) => {
          options.log.warn('could not count the jobs waiting for a slot', { error: err });
          return undefined;
        },
      ),
    ),
  };
  const removeGauges = addWorkerGauges({
    workerId: deps.workerId,
    // A job holds its slot from its lease to its stop: counted here, without scanning the lease store.
    leasesHeld: () => Promise.resolve(deps.slots.holders().length),
    openProfiles: () => deps.profiles.size,
    profileSlots: () => deps.slots.max,
    waiting: (reason) => waiting[reason](),
    deadLettersWaiting: count('the parked dead letters', deadLetterQuery()),
  });
  try {
    const server = await startMetricsServer({
      host: config.metrics.host,
      port: config.metrics.port,
      setting: 'MLX_METRICS_ADDRESS',
      anyPortIfTaken: config.metrics.defaulted,
      notReady: options.notReady,
      log: options.log,
    });
    return {
      url: server.url,
      async close() {
        removeGauges();
        await server.close();
      },
    };
  } catch (err) {
    removeGauges();
    throw err;
  }
}

/** A count read at most every 15 s; on a failed read, the last good one (or none). */
function cachedCount(read: () => Promise<number | undefined>): () => Promise<number | undefined> {
  let last: { count: number; at: number } | undefined;
  return async () => {
    if (last && Date.now() - last.at < VISIBILITY_COUNT_TTL_MS) return last.count;
    const count = await read();
    if (count === undefined) return last?.count;
    last = { count, at: Date.now() };
    return count;
  };
}
