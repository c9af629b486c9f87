import { NativeConnection, type WorkflowBundleOption } from '@temporalio/worker';
import { loadWorkerConfig } from '../config';
import { createLogger, setMetricPlatforms, startTelemetry } from '../telemetry';
import { configuredTasks, type TaskRegistry } from '../tasks';
import { buildActivityDeps } from './build-deps';
import { createConfiguredWorker, type MlxWorker } from './mlx-worker';
import { installWorkerRuntime, startWorkerMetrics } from './worker-metrics';
import { startBlobRetention, startArtifactPruning } from './blob-retention';
import { checkWritableDir } from './writable-dirs';

/**
 * The worker process from configuration: telemetry, activity dependencies (the embedded launcher unless
 * MLX_LAUNCHER_URL is set), both Temporal workers and the metrics endpoint; returns once they stopped
 * (SIGINT/SIGTERM). `tasks`: those of MLX_TASKS_MODULE (else the built-in ones) by default. `workflowBundle`: a prebuilt one (the tests build it once per run); by default the
 * workflows are bundled at start.
 */
export async function runWorker(tasks?: TaskRegistry, workflowBundle?: WorkflowBundleOption): Promise<void> {
  const config = loadWorkerConfig();
  const registry = tasks ?? configuredTasks();
  checkWritableDir('MLX_DATA_DIR', config.dataDir);
  checkWritableDir('MLX_ARTIFACTS_DIR', config.artifactsDir);
  const telemetry = startTelemetry({
    serviceName: 'mlx-worker',
    // service.instance.id: which worker a span came from, by the semantic conventions' name.
    attributes: { 'worker.id': config.workerId, 'service.instance.id': config.workerId },
    outgoingCalls: true,
  });
  setMetricPlatforms(config.metrics.platforms);
  const log = createLogger({
    level: config.logLevel,
    // OTEL_SERVICE_NAME's, as on the spans, so logs and traces of one worker name it alike.
    fields: { service: String(telemetry.resource.attributes['service.name']), worker_id: config.workerId },
  });
  // Signals are ours: the first drains (no new jobs, hosted ones finish), a second stops at once.
  const sdkMetricsUrl = await installWorkerRuntime(log, {
    sdkMetrics: config.sdkMetrics,
    shutdownSignals: [],
  });
  const runtime = await buildActivityDeps(config, log, registry);
  try {
    const connection = await NativeConnection.connect(config.temporal.connection);
    try {
      let worker: MlxWorker | undefined;
      const metricsServer = await startWorkerMetrics({
        config,
        deps: runtime.deps,
        connection,
        notReady: () => (worker?.isPolling() ? undefined : 'not polling its task queues'),
        log,
      });
      try {
        const started = await createConfiguredWorker(config, runtime, connection, telemetry, workflowBundle);
        worker = started;
        const retention = startBlobRetention(config, runtime.payload.store, connection, log);
        const artifacts = startArtifactPruning(config, log);
        if (config.webhook.defaultSecrets.length === 0) {
          log.warn(
            'MLX_WEBHOOK_UNSIGNED=true: webhooks of clients without their own secret are sent unsigned',
          );
        }
        if (runtime.payload.keyRing && config.allowPlaintextPayloads) {
          log.warn('MLX_PAYLOAD_ALLOW_PLAINTEXT=true: workflow input that is not encrypted is taken');
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
          drain_grace_ms: config.drainGraceMs,
          lease_store: config.redis ? 'redis' : 'memory',
          payload_encryption: runtime.payload.keyRing?.encryptKeyId ?? 'off',
          claim_check_store: config.payload.claimCheck.store,
          traces: telemetry.destination,
          metrics: `${metricsServer.url}/metrics`,
          sdk_metrics: sdkMetricsUrl,
          health: `${metricsServer.url}/healthz ${metricsServer.url}/readyz`,
        });
        const signals = ['SIGINT', 'SIGTERM'] as const;
        let received = 0;
        const onSignal = (signal: NodeJS.Signals) => {
          received += 1;
          log.info(received === 1 ? 'shutting down: draining first' : 'shutting down now', { signal });
          if (received === 1) started.shutdown();
          else started.shutdownNow();
        };
        for (const signal of signals) process.on(signal, onSignal);
        try {
          await started.run();
        } finally {
          for (const signal of signals) process.off(signal, onSignal);
          await retention.stop();
          artifacts.stop();
        }
        log.info('worker stopped');
      } finally {
        await metricsServer.close();
      }
    } finally {
      await connection.close();
    }
  } finally {
    await runtime.close();
    await telemetry.shutdown(); // flushes the last spans
  }
}
