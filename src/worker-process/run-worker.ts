import { NativeConnection, Runtime } from '@temporalio/worker';
import { loadConfig } from '../config/worker-config';
import { createLogger } from '../telemetry/log';
import { createDefaultTaskRegistry } from '../tasks';
import type { TaskRegistry } from '../tasks/registry';
import { startTelemetry } from '../telemetry';
import { temporalConnectionOptions } from '../config/temporal';
import { buildActivityDeps } from './build-deps';
import { createConfiguredWorker } from './mlx-worker';
import { temporalLogger } from '../telemetry/temporal-logger';

/**
 * The worker process from configuration: telemetry, activity dependencies (the embedded launcher unless
 * MLX_LAUNCHER_URL is set), both Temporal workers; returns once they stopped (SIGINT/SIGTERM).
 */
export async function runWorker(tasks: TaskRegistry = createDefaultTaskRegistry()): Promise<void> {
  const config = loadConfig();
  const telemetry = startTelemetry({
    serviceName: 'mlx-worker',
    attributes: { 'worker.id': config.workerId },
  });
  const log = createLogger({
    level: config.logLevel,
    fields: { service: 'mlx-worker', worker_id: config.workerId },
  });
  Runtime.install({ logger: temporalLogger(log) });
  const runtime = await buildActivityDeps(config, log, tasks);
  try {
    const connection = await NativeConnection.connect(temporalConnectionOptions(config));
    try {
      const worker = await createConfiguredWorker(config, runtime, connection, telemetry);
      log.info('worker started', {
        temporal: config.temporal.address,
        namespace: config.temporal.namespace,
        task_queue: config.taskQueue,
        launcher: config.launcherUrl ?? 'embedded local launcher',
        max_open_profiles: config.maxOpenProfiles,
        lease_store: config.redis ? 'redis' : 'memory',
      });
      await worker.run();
      log.info('worker stopped');
    } finally {
      await connection.close();
    }
  } finally {
    await runtime.close();
    await telemetry.shutdown(); // flushes the last spans
  }
}
