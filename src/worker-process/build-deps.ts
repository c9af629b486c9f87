import { randomBytes } from 'node:crypto';
import { createKeptConnections } from '../cdp';
import { join } from 'node:path';
import type { ActivityDeps } from '../activities';
import { secretsForClient, type WorkerConfig } from '../config';
import { hostTaskQueue } from '../contract';
import { createLeaseRecords, createOpenProfiles, createPendingQuestions, createProfileSlots } from '../host';
import { startLocalLauncher } from '../launcher';
import { createMemoryLeaseStore, createRedisLeaseStore } from '../lease';
import type { Logger } from '../telemetry';
import { createDefaultTaskRegistry, type TaskRegistry } from '../tasks';
import { createCredentialStore, createSecretRegistry, loadTaskSecrets } from '../secrets';
import { setOutputFilter } from '../telemetry';
import { launcherClientFromConfig } from './mlx-launcher';
import { createPayloadHandling, type PayloadHandling } from '../payload-codec';

export interface RuntimeDeps {
  deps: ActivityDeps;
  /** The data converter (encryption, claim-check store) both Temporal workers use. */
  payload: PayloadHandling;
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
  // The embedded launcher answers only this worker: a fresh random token per start, the slots' cap.
  const localToken = randomBytes(32).toString('hex');
  const local = config.launcherUrl
    ? undefined
    : await startLocalLauncher({
        chromiumPath: config.chromiumPath,
        dataDir: join(config.dataDir, 'launcher', config.workerId),
        log: log.child({ component: 'local-launcher' }),
        token: localToken,
        maxProfiles: config.maxOpenProfiles,
      });
  // One redactor over every secret this worker holds, installed before anything can be logged or traced.
  const secretRegistry = createSecretRegistry();
  setOutputFilter(secretRegistry.redact);
  const credentials = createCredentialStore(loadTaskSecrets(config.secrets));
  secretRegistry.add(() => credentials.secretValues());
  const webhookSecrets = [...config.webhook.defaultSecrets, ...Object.values(config.webhook.byClient).flat()];
  secretRegistry.add(() => webhookSecrets);
  const staticSecrets = [
    config.temporal.connection.apiKey,
    config.mlx.signIn?.password,
    config.mlxToken,
    ...config.payload.keys.map(({ key }) => key.toString('base64')),
    ...config.settingSecrets,
  ].filter((s): s is string => typeof s === 'string');
  secretRegistry.add(() => staticSecrets);
  const launcher = local
    ? launcherClientFromConfig(
        { ...config, mlxToken: localToken, mlx: { ...config.mlx, signIn: undefined } },
        local.url,
        log,
        secretRegistry.add,
      )
    : launcherClientFromConfig(config, config.launcherUrl!, log, secretRegistry.add);
  const leases = config.redis
    ? createRedisLeaseStore(config.redis.url, config.redis.prefix)
    : createMemoryLeaseStore();
  const payload = createPayloadHandling(config.payload, { refusePlaintext: !config.allowPlaintextPayloads });
  // A secret answer a task waits for (ctx.ask) is redacted while that task runs.
  const questions = createPendingQuestions();
  secretRegistry.add(() => questions.secretAnswers());
  const deps: ActivityDeps = {
    workerId: config.workerId,
    questions,
    hostTaskQueue: hostTaskQueue(config.taskQueue, config.workerId),
    leases,
    leaseTtlMs: config.leaseTtlMs,
    launcher,
    // The embedded launcher is this worker's alone; an MLX agent is shared only when configured so.
    launcherShared: local === undefined && config.launcherShared,
    profiles: createOpenProfiles(),
    slots: createProfileSlots(config.maxOpenProfiles),
    leaseRecords: createLeaseRecords(),
    headless: config.headless,
    lingerMs: config.lingerMs,
    connections: createKeptConnections(),
    cdpHost: config.cdpHost,
    tasks,
    secrets: credentials,
    profileOwners: config.profileOwners,
    policy: config.policy,
    taskLimits: config.taskLimits,
    webhookTimeoutMs: config.webhookTimeoutMs,
    webhookSecrets: secretsForClient(config.webhook),
    webhookEgress: config.webhook.egress,
    artifactsDir: config.artifactsDir,
    artifactsRetentionMs: config.artifactsRetentionMs,
    evidenceStore: payload,
    traceUrlTemplate: config.traceUrlTemplate,
    failureTrace: config.failureTrace,
    log,
    startRetry: config.mlx.startRetry,
  };
  return {
    deps,
    payload,
    async close() {
      await payload.close();
      await leases.close();
      await local?.close();
    },
  };
}
