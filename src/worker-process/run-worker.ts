import { NativeConnection, Runtime } from '@temporalio/worker';
import { loadWorkerConfig } from '../config';
import { createLogger, startTelemetry } from '../telemetry';
import { createDefaultTaskRegistry, type TaskRegistry } from '../tasks';
import { buildActivityDeps } from './build-deps';
import { createConfiguredWorker } from './mlx-worker';
import { temporalLogger } from './temporal-logger';
import { startBlobRetention } from './blob-retention';

/**
 * The worker process from configuration: telemetry, activity dependencies (the embedded launcher unless
 * MLX_LAUNCHER_URL is set), both Temporal workers; returns once they stopped (SIGINT/SIGTERM).
 */
export async function runWorker(tasks: TaskRegistry = createDefaultTaskRegistry()): Promise<void> {
  const config = loadWorkerConfig();
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
    const connection = await NativeConnection.connect(config.temporal.connection);
    try {
      const worker = await createConfiguredWorker(config, runtime, connection, telemetry);
      const retention = startBlobRetention(config, runtime.payload.store, connection, log);
      if (config.webhook.defaultSecrets.length === 0) {
        log.warn('MLX_WEBHOOK_UNSIGNED=true: webhooks of clients without their own secret are sent unsigned');
      }
      if (!runtime.payload.keyRing) {
        log.warn(
          'MLX_PAYLOAD_KEYS is not set: job specs, outputs and failures are stored in Temporal unencrypted',
        );
      }
      log.info('worker started', {
        temporal: config.temporal.connection.address,
        namespace: config.temporal.namespace,
        task_queue: config.taskQueue,
        launcher: config.launcherUrl ?? 'embedded local launcher',
        max_open_profiles: config.maxOpenProfiles,
        lease_store: config.redis ? 'redis' : 'memory',
        payload_encryption: runtime.payload.keyRing?.encryptKeyId ?? 'off',
        claim_check_store: config.payload.claimCheck.store,
      });
      try {
        await worker.run();
      } finally {
        await retention.stop();
      }
      log.info('worker stopped');
    } finally {
      await connection.close();
    }
  } finally {
    await runtime.close();
    await telemetry.shutdown(); // flushes the last spans
  }
}
