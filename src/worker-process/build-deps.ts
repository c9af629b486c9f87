import { readFileSync } from 'node:fs';
import { createKeptConnections } from '../cdp';
import { join } from 'node:path';
import type { ActivityDeps } from '../activities';
import type { WorkerConfig } from '../config';
import { hostTaskQueue } from '../contract';
import { createOpenProfiles, createProfileSlots } from '../host';
import { startLocalLauncher } from '../launcher';
import { createMemoryLeaseStore, createRedisLeaseStore } from '../lease';
import type { Logger } from '../telemetry';
import { createDefaultTaskRegistry, type TaskRegistry } from '../tasks';
import { createSecretStore, parseSecrets } from '../secrets';
import { launcherClientFromConfig } from './mlx-launcher';

export interface RuntimeDeps {
  deps: ActivityDeps;
  /** Stops what start-up created (the embedded launcher and its browsers, the lease store). */
  close(): Promise<void>;
}

/**
 * Builds the activities' dependencies from configuration. Without MLX_LAUNCHER_URL the local launcher
 * (real Chromium per profile) runs inside this process: the embedded default.
 */
export async function buildActivityDeps(
  config: WorkerConfig,
  log: Logger,
  tasks: TaskRegistry = createDefaultTaskRegistry(),
): Promise<RuntimeDeps> {
  const local = config.launcherUrl
    ? undefined
    : await startLocalLauncher({
        chromiumPath: config.chromiumPath,
        dataDir: join(config.dataDir, 'launcher', config.workerId),
        log: log.child({ component: 'local-launcher' }),
      });
  const launcher = launcherClientFromConfig(config, config.launcherUrl ?? local!.url, log);
  const leases = config.redis
    ? createRedisLeaseStore(config.redis.url, config.redis.prefix)
    : createMemoryLeaseStore();
  const deps: ActivityDeps = {
    workerId: config.workerId,
    hostTaskQueue: hostTaskQueue(config.taskQueue, config.workerId),
    leases,
    leaseTtlMs: config.leaseTtlMs,
    launcher,
    // The embedded launcher is this worker's alone; an MLX agent is shared only when configured so.
    launcherShared: local === undefined && config.launcherShared,
    profiles: createOpenProfiles(),
    slots: createProfileSlots(config.maxOpenProfiles),
    headless: config.headless,
    connections: createKeptConnections(),
    cdpHost: config.cdpHost,
    tasks,
    secrets: createSecretStore(loadSecrets(config)),
    webhookTimeoutMs: config.webhookTimeoutMs,
    webhookSecret: config.webhookSecret,
    artifactsDir: config.artifactsDir,
    log,
    startRetry: config.mlx.startRetry,
  };
  return {
    deps,
    async close() {
      await leases.close();
      await local?.close();
    },
  };
}

function loadSecrets(config: WorkerConfig): Record<string, Record<string, string>> {
  const fromFile = config.secrets.file
    ? parseSecrets(
        readFileSync(config.secrets.file, 'utf8'),
        `MLX_TASK_SECRETS_FILE (${config.secrets.file})`,
      )
    : {};
  const fromEnv = config.secrets.json ? parseSecrets(config.secrets.json, 'MLX_TASK_SECRETS') : {};
  return { ...fromFile, ...fromEnv };
}
