import { type StepPolicies } from '../../src/contract';
import { createKeptConnections } from '../../src/cdp';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { ActivityDeps } from '../../src/activities';
import { startJob, type StartedJob, type StartJobOptions, connectClient } from '../../src/client-library';
import { loadClientConfig } from '../../src/config';
import { hostTaskQueue } from '../../src/contract';
import {
  createLeaseRecords,
  createOpenProfiles,
  createPendingQuestions,
  createProfileSlots,
} from '../../src/host';
import { startWebhookReceiver, type WebhookReceiver } from '../../src/demo/webhook-receiver';
import type { DevServerOptions } from '../../src/dev/temporal-dev-server';
import type { JobSpecInput } from '../../src/contract';
import { startLocalLauncher, type LocalLauncher, type LocalLauncherOptions } from '../../src/launcher';
import { createRedisLeaseStore, type LeaseStore } from '../../src/lease';
import {
  createLogger,
  setOutputFilter,
  silentLogger,
  type Logger,
  startTelemetry,
  type Telemetry,
} from '../../src/telemetry';
import { createLauncherClient, type LauncherClient } from '../../src/mlx';
import { DEFAULT_POLICY_BOUNDS, type StartRetryRules } from '../../src/policies';
import { createMlxWorker, type MlxWorker, type MlxWorkerOptions } from '../../src/worker-process/mlx-worker';
import { temporalLogger } from '../../src/worker-process/temporal-logger';
import { builtinTasks, createTaskRegistry, type TaskDefinition } from '../../src/tasks';
import {
  createCredentialStore,
  createSecretRegistry,
  parseSecrets,
  type ProfileOwners,
} from '../../src/secrets';
import { fastPolicies, LOOPBACK_EGRESS } from './policies';
import { testTasks } from './test-tasks';
import type { Tracer } from '@opentelemetry/api';
import { workflowBundle } from '../../src/dev/workflow-bundle';
import { createPayloadHandling, type PayloadSettings } from '../../src/payload-codec';
import { testPayloadEnv, testPayloadSettings } from './payload';
import { installQuietRuntime } from './quiet-runtime';
import { redisForTest, type TestRedis } from './redis';
import { startTestTemporal, type TestTemporal } from './temporal';

installQuietRuntime(temporalLogger(createLogger({ level: 'warn' }), 'WARN'));

/** Every harness worker signs its webhooks with this; its receiver verifies them. */
export const WEBHOOK_SECRET = 'test-webhook-secret-0123456789';

export interface Harness {
  /** The dev server (the run's shared one, unless `devServer` options are given) and this harness's namespace. */
  server: TestTemporal;
  client: Client;
  launcher: LocalLauncher;
  receiver: WebhookReceiver;
  deps: ActivityDeps;
  worker: MlxWorker;
  dataDir: string;
  /** How this harness's client and worker store payloads. */
  payload: PayloadSettings;
  taskQueue: string;
  policies: StepPolicies;
  /** What submit starts jobs with (queue, the fast policies, no dead-letter retention). */
  startOptions: StartJobOptions;
  /** A job's fields but its job_id, with test defaults (a profile of its own named after `key`). */
  jobFields(key: string): Omit<JobSpecInput, 'job_id'>;
  /** Starts polling, for a harness made with `deferWorker`. */
  startWorker(): void;
  /** The environment that points bin/mlx-jobs at this server and queue. */
  cliEnv: NodeJS.ProcessEnv;
  /** Starts a job with test defaults; `deadLetterRetentionMs` 0 (the default) fails jobs at once. */
  submit(
    spec: Partial<JobSpecInput> & Pick<JobSpecInput, 'job_id'>,
    options?: { deadLetterRetentionMs?: number },
  ): Promise<StartedJob>;
  close(): Promise<void>;
}

/** How long close() waits for the worker to stop before it stops the rest anyway. */
const SHUTDOWN_WAIT_MS = 60_000;

export { workflowBundle } from '../../src/dev/workflow-bundle';

export interface HarnessOptions {
  /** Task credentials in the secrets file's format (docs/security.md). */
  secrets?: Record<string, Record<string, unknown>>;
  /** Which client owns which profile (MLX_PROFILE_OWNERS); unset: profiles are not bound. */
  profileOwners?: ProfileOwners;
  tasks?: TaskDefinition[];
  /** Where spans go; by default the SDK runs (trace ids, traceparent) but exports nothing. */
  telemetry?: Telemetry;
  /** Tracer of the webhook receiver's own service. */
  receiverTracer?: Tracer;
  /** The worker's logger (silent by default). */
  log?: Logger;
  /** Local launcher extras: the fault switch, a token check, its own logger (silent by default). */
  launcher?: Pick<LocalLauncherOptions, 'faults' | 'acceptsToken' | 'token' | 'log'>;
  /** The worker's launcher client; by default a plain one without a token. */
  launcherClient?: (launcherUrl: string) => LauncherClient;
  startRetry?: StartRetryRules;
  /** Payload encryption and claim-check store; by default testPayloadSettings(dataDir). */
  payload?: (dataDir: string) => PayloadSettings;
  /**
   * The worker's lease store (default: the fleet's Redis store, on the run's Redis under a key prefix of
   * this harness's own) and lease TTL (default 30 s).
   */
  leases?: LeaseStore;
  leaseTtlMs?: number;
  /** The worker's MLX_PROFILE_LINGER_MS (default 0: each job's browser is stopped as it ends). */
  lingerMs?: number;
  /** The worker's MLX_TRACE_FAILED_ATTEMPTS (default on: each task attempt records a Playwright trace). */
  failureTrace?: ActivityDeps['failureTrace'];
  /** The worker's MLX_MAX_OPEN_PROFILES (default 8). */
  maxOpenProfiles?: number;
  /** How often the worker's reaper runs (default 500 ms, so leaks show within a test). */
  reaperIntervalMs?: number;
  /**
   * The dev server's port, database file (to restart it) and dynamic configuration (bench/ compares
   * settings): given, the harness starts a server of its own instead of using the run's shared one.
   */
  devServer?: Pick<DevServerOptions, 'port' | 'dbFile' | 'dynamicConfig'>;
  /** Steps run instead of the real ones (bench/ measures orchestration with no-op steps). */
  replaceActivities?: (deps: ActivityDeps) => MlxWorkerOptions['replaceActivities'];
  /** How long a webhook POST may take (default 5 s). */
  webhookTimeoutMs?: number;
  /** The worker's MLX_TRACE_URL_TEMPLATE (default none). */
  traceUrlTemplate?: string;
  /** Creates the worker but starts polling only at `startWorker()` (jobs submitted before wait). */
  deferWorker?: boolean;
}

/**
 * A real Temporal dev server (a namespace of its own), the local launcher with real Chromium, one worker
 * with a Redis lease store and a webhook receiver.
 */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mlx-jobs-test-'));
  const server = await startTestTemporal(options.devServer);
  let redis: TestRedis | undefined;
  let leases = options.leases;
  if (!leases) {
    redis = await redisForTest();
    leases = createRedisLeaseStore(redis.url, redis.prefix);
  }
  const launcher = await startLocalLauncher({ dataDir, log: silentLogger, ...options.launcher });
  const receiver = await startWebhookReceiver({ tracer: options.receiverTracer, secret: WEBHOOK_SECRET });
  const telemetry = options.telemetry ?? startTelemetry({ serviceName: 'mlx-worker', env: {} });
  const connection = await NativeConnection.connect({ address: server.address });
  const payload = (options.payload ?? testPayloadSettings)(dataDir);
  const payloadHandling = createPayloadHandling(payload);
  // As a worker process does: with keys, it takes no input it did not get encrypted.
  const workerPayload = createPayloadHandling(payload, { refusePlaintext: true });
  const client = await connectClient({
    temporal: loadClientConfig(server.env).temporal,
    payload,
  });
  const taskQueue = 'mlx-jobs-test';
  const workerId = 'test-worker';
  const credentials = createCredentialStore(parseSecrets(JSON.stringify(options.secrets ?? {}), 'secrets'));
  const questions = createPendingQuestions();
  const deps: ActivityDeps = {
    workerId,
    questions,
    hostTaskQueue: hostTaskQueue(taskQueue, workerId),
    leases,
    leaseTtlMs: options.leaseTtlMs ?? 30_000,
    launcher: options.launcherClient?.(launcher.url) ?? createLauncherClient({ baseUrl: launcher.url }),
    launcherShared: false,
    profiles: createOpenProfiles(),
    slots: createProfileSlots(options.maxOpenProfiles ?? 8),
    leaseRecords: createLeaseRecords(),
    headless: true,
    lingerMs: options.lingerMs ?? 0,
    connections: createKeptConnections(),
    cdpHost: '127.0.0.1',
    tasks: createTaskRegistry([...builtinTasks, ...testTasks, ...(options.tasks ?? [])]),
    secrets: credentials,
    profileOwners: options.profileOwners,
    webhookTimeoutMs: options.webhookTimeoutMs ?? 5_000,
    webhookSecrets: () => [WEBHOOK_SECRET],
    webhookEgress: LOOPBACK_EGRESS,
    artifactsDir: join(dataDir, 'artifacts'),
    evidenceStore: workerPayload,
    traceUrlTemplate: options.traceUrlTemplate,
    log: options.log ?? silentLogger,
    startRetry: options.startRetry,
    failureTrace: options.failureTrace,
  };
  // As a worker process does: every secret the harness worker holds is redacted from what it emits.
  const registry = createSecretRegistry();
  registry.add(() => [WEBHOOK_SECRET, ...credentials.secretValues(), ...questions.secretAnswers()]);
  setOutputFilter(registry.redact);
  const worker: MlxWorker = await createMlxWorker({
    connection,
    namespace: server.namespace,
    taskQueue,
    deps,
    workflowBundle: await workflowBundle(),
    shutdownGraceTimeMs: 2_000,
    drainGraceMs: 2_000,
    reaperIntervalMs: options.reaperIntervalMs ?? 500,
    telemetry,
    dataConverter: workerPayload.dataConverter,
    replaceActivities: options.replaceActivities?.(deps),
  });
  let running = options.deferWorker ? undefined : worker.run();
  const policies = fastPolicies();
  const startOptions = {
    taskQueue,
    policy: { policies, bounds: DEFAULT_POLICY_BOUNDS },
    tasks: deps.tasks,
    profileOwners: options.profileOwners,
    egress: LOOPBACK_EGRESS,
  };
  const jobFields = (key: string) => ({
    profile_id: `profile-${key}`,
    folder_id: 'folder-test',
    platform: 'shopee_my',
    client_id: 'client-42',
    task: { name: 'read_title', input: { title: 'hello' } as Record<string, unknown> },
    callback_url: receiver.url,
  });

  return {
    server,
    client,
    launcher,
    receiver,
    deps,
    worker,
    dataDir,
    payload,
    taskQueue,
    policies,
    startOptions,
    jobFields,
    startWorker: () => {
      running ??= worker.run();
    },
    cliEnv: {
      ...server.env,
      MLX_TEMPORAL_UI_URL: server.uiUrl,
      MLX_TASK_QUEUE: taskQueue,
      MLX_DEAD_LETTER_RETENTION_MS: '0',
      MLX_WEBHOOK_ALLOW_HOSTS: '127.0.0.1:*',
      // The CLI reads and writes payloads as this harness stores them.
      ...(options.payload ? {} : testPayloadEnv(dataDir)),
    },
    submit: (spec, submitOptions = {}) =>
      startJob(
        client,
        { ...jobFields(spec.job_id), ...spec },
        { ...startOptions, deadLetterRetentionMs: submitOptions.deadLetterRetentionMs ?? 0 },
      ),
    async close() {
      running ??= worker.run();
      worker.shutdown();
      // A worker that cannot finish shutting down (a server that stopped answering, a test timed out)
      // must not keep the browsers and servers of this file running after it.
      const stopped = running.then(
        () => 'stopped' as const,
        (err: unknown) => ({ failed: err }),
      );
      let timer: NodeJS.Timeout | undefined;
      const wait = new Promise<'stuck'>(
        (resolve) => (timer = setTimeout(() => resolve('stuck'), SHUTDOWN_WAIT_MS)),
      );
      const end = await Promise.race([stopped, wait]);
      clearTimeout(timer);
      await launcher.close();
      await receiver.close();
      if (end !== 'stuck') {
        await client.connection.close();
        await connection.close();
      }
      await payloadHandling.close();
      await workerPayload.close();
      if (redis) {
        await leases.close();
        await redis.stop();
      }
      await server.stop();
      if (!options.telemetry) await telemetry.shutdown();
      rmSync(dataDir, { recursive: true, force: true });
      if (end === 'stuck') throw new Error(`the test worker did not stop within ${SHUTDOWN_WAIT_MS} ms`);
      if (end !== 'stopped') throw end.failed;
    },
  };
}
