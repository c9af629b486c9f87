/**
 * Worker process: polls the shared task queue and its own host queue, runs the embedded local launcher
 * unless MLX_LAUNCHER_URL points at a real MLX agent, and stops every profile it opened on SIGINT/SIGTERM.
 */
import { NativeConnection, Runtime } from '@temporalio/worker';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './log';
import { buildActivityDeps } from './runtime/activity-deps';
import { createMlxWorker } from './runtime/mlx-worker';
import { temporalLogger } from './runtime/temporal-logger';
import { startTelemetry } from './telemetry';
import { temporalConnectionOptions } from './temporal-connection';

async function main(): Promise<void> {
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
  const runtime = await buildActivityDeps(config, log);
  try {
    const connection = await NativeConnection.connect(temporalConnectionOptions(config));
    try {
      const worker = await createMlxWorker({
        connection,
        namespace: config.temporal.namespace,
        taskQueue: config.taskQueue,
        deps: runtime.deps,
        telemetry,
      });
      log.info('worker started', {
        temporal: config.temporal.address,
        namespace: config.temporal.namespace,
        task_queue: config.taskQueue,
        launcher: config.launcherUrl ?? 'embedded local launcher',
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

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(`mlx-worker: ${err.message}`);
    process.exit(2);
  }
  console.error(err);
  process.exit(1);
});
