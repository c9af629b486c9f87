/**
 * What a worker needs: its identity and queues, the MLX launcher and how to authenticate to it, the
 * browser, the lease store, task secrets and webhook delivery. A bad setting stops start-up with one line
 * naming the variable and the reason (ConfigError).
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../contract';
import type { MlxSignIn } from '../mlx';
import {
  DEFAULT_START_RETRY_RULES,
  loadPolicyConfig,
  type PolicyConfig,
  type StartRetryRules,
} from '../policies';
import type { ProfileOwners } from '../secrets';
import { DEFAULT_TRACE_MAX_BYTES } from '../activities/evidence';
import { DEFAULT_TASK_LIMITS, TASKS_MODULE_SETTING, type TaskLimits } from '../tasks';
import {
  bool,
  httpUrl,
  optionalString,
  OTEL_SETTINGS,
  parseEnv,
  decimalInt,
  redisSettings,
  setVariables,
  sharedSchema,
  type Env,
} from './env';
import { accessSchema, profileOwners } from './access-config';
import { payloadSchema, payloadSettings } from './payload-config';
import { settingSecrets } from './setting-secrets';
import { webhookSchema, webhookSettings, type WebhookSettings } from './webhook-config';
import type { PayloadSettings } from '../payload-codec';
import { loadTemporalSettings, TEMPORAL_SETTINGS, type TemporalSettings } from './temporal';

/** host:port to listen on, e.g. 127.0.0.1:9464; port 0: any free one. */
const listenAddress = (fallback: string) =>
  z
    .string()
    .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, `must be host:port, e.g. ${fallback}`)
    .refine((v) => Number(v.slice(v.lastIndexOf(':') + 1)) <= 65535, 'the port must be at most 65535')
    .default(fallback);

/**
 * How long a browser stays open after its job's task, for the next job on its profile: long enough for
 * the profile's queue to pass the turn (well under a second) and for a job submitted right after the
 * last one ended; short enough that an idle profile's browser (and, on MLX, its unsynced changes) does
 * not wait long for its stop.
 */
export const DEFAULT_LINGER_MS = 30_000;

/**
 * MLX_TRACE_FAILED_ATTEMPTS: what each task attempt's Playwright trace records (TraceDetail of the
 * activities), or `off`. A boolean as well, as before the detail could be chosen: on is `actions`.
 */
export const traceDetailSetting = z
  .enum(['actions', 'full', 'off', 'true', 'false', '1', '0', 'yes', 'no'], {
    error: 'one of actions, full, off',
  })
  .transform((v) => (v === 'actions' || v === 'full' || v === 'off' ? v : bool.parse(v) ? 'actions' : 'off'))
  .default('actions');

export const WorkerEnvSchema = sharedSchema.extend({
  ...payloadSchema.shape,
  ...accessSchema.shape,
  ...webhookSchema.shape,
  MLX_CLAIM_CHECK_SWEEP_MS: decimalInt(10_000, 86_400_000).default(600_000),
  MLX_WORKER_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, . _ - only')
    .default(() => hostname().replace(/[^A-Za-z0-9._-]/g, '-')),
  MLX_LAUNCHER_URL: httpUrl.optional(),
  MLX_TOKEN: optionalString,
  MLX_CLOUD_URL: httpUrl.default('https://api.multilogin.com'),
  MLX_EMAIL: optionalString,
  MLX_PASSWORD: optionalString,
  MLX_WORKSPACE_ID: optionalString,
  MLX_AUTOMATION_TOKEN: z.enum(['24h', 'no_exp'], { error: 'must be 24h or no_exp' }).optional(),
  MLX_STRICT_MODE: bool.default(false),
  MLX_LAUNCHER_CA_FILE: optionalString,
  MLX_LAUNCHER_INSECURE: bool.default(false),
  MLX_CORE_DOWNLOADING_RETRY_MS: decimalInt(1_000, 600_000).default(
    DEFAULT_START_RETRY_RULES.coreDownloadingDelayMs,
  ),
  MLX_PROXY_MAX_ATTEMPTS: decimalInt(1, 100).default(DEFAULT_START_RETRY_RULES.proxyMaxAttempts),
  MLX_CHROMIUM_PATH: z.string().min(1).default('/usr/bin/chromium'),
  MLX_HEADLESS: bool.default(true),
  // Read by the launcher itself (sandboxFlags); checked here so a typo stops the worker at start.
  MLX_CHROMIUM_NO_SANDBOX: z.enum(['true', 'false'], { error: 'must be true or false' }).optional(),
  MLX_CDP_HOST: z.string().min(1).default('127.0.0.1'),
  MLX_LEASE_TTL_MS: decimalInt(3_000, 3_600_000).default(60_000),
  MLX_MAX_OPEN_PROFILES: decimalInt(1, 1_000).default(4),
  MLX_LAUNCHER_SHARED: bool.default(false),
  MLX_REAPER_INTERVAL_MS: decimalInt(100, 3_600_000).default(5_000),
  MLX_PROFILE_LINGER_MS: decimalInt(0, 3_600_000).default(DEFAULT_LINGER_MS),
  MLX_DRAIN_GRACE_MS: decimalInt(1_000, 24 * 3_600_000).default(30 * 60 * 1000),
  MLX_TASK_SECRETS_FILE: optionalString,
  MLX_TASK_SECRETS: optionalString,
  MLX_WEBHOOK_TIMEOUT_MS: decimalInt(100, 120_000).default(10_000),
  MLX_TASK_MAX_PAGES: decimalInt(1, 10_000).default(DEFAULT_TASK_LIMITS.pages),
  MLX_TASK_MAX_ROWS: decimalInt(1, 1_000_000).default(DEFAULT_TASK_LIMITS.rows),
  MLX_TASK_MAX_EXPORT_BYTES: decimalInt(1_024, 1_073_741_824).default(DEFAULT_TASK_LIMITS.exportBytes),
  MLX_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  MLX_ARTIFACTS_DIR: optionalString,
  MLX_PAYLOAD_ALLOW_PLAINTEXT: bool.default(false),
  MLX_ARTIFACTS_RETENTION_MS: decimalInt(60_000, 365 * 24 * 3600 * 1000).default(7 * 24 * 3600 * 1000),
  MLX_TRACE_FAILED_ATTEMPTS: traceDetailSetting,
  MLX_TRACE_MAX_BYTES: decimalInt(1_048_576, 1_073_741_824).default(DEFAULT_TRACE_MAX_BYTES),
  MLX_METRICS_PLATFORMS: z
    .string()
    .regex(/^[a-z0-9_]+(,[a-z0-9_]+)*$/, 'comma-separated platforms, e.g. shopee_my,lazada_id')
    .optional(),
  MLX_METRICS_ADDRESS: listenAddress('127.0.0.1:9464'),
  MLX_SDK_METRICS_ADDRESS: listenAddress('127.0.0.1:9465'),
});

/**
 * Whether the worker reads this variable: its own settings, the Temporal connection's (envconfig),
 * OpenTelemetry's and its task module (MLX_TASKS_MODULE). For checking deployment files: a variable nobody reads is a typo.
 */
export function isWorkerSetting(name: string): boolean {
  return (
    name in WorkerEnvSchema.shape ||
    name === 'MLX_POLICIES_FILE' ||
    name.startsWith('MLX_POLICY_') ||
    TEMPORAL_SETTINGS.includes(name) ||
    name.startsWith('TEMPORAL_GRPC_META_') ||
    OTEL_SETTINGS.includes(name) ||
    name === TASKS_MODULE_SETTING
  );
}

export interface WorkerConfig {
  temporal: TemporalSettings;
  /** Secrets inside other settings (the Redis password, OTLP header values, tokens), for the redactor. */
  settingSecrets: string[];
  taskQueue: string;
  workerId: string;
  /** Undefined: the worker runs the local launcher in-process (embedded default). */
  launcherUrl?: string;
  mlxToken?: string;
  mlx: {
    /** Sign in to the cloud API for tokens, instead of a fixed MLX_TOKEN. */
    signIn?: MlxSignIn & { cloudUrl: string };
    /** `X-Strict-Mode: true` on every profile start. */
    strictMode: boolean;
    launcherCaFile?: string;
    launcherInsecure: boolean;
    startRetry: StartRetryRules;
  };
  chromiumPath: string;
  dataDir: string;
  headless: boolean;
  cdpHost: string;
  leaseTtlMs: number;
  /** The most profiles this worker has open at once; further jobs wait for a slot here or elsewhere. */
  maxOpenProfiles: number;
  /** Several workers drive the MLX agent at MLX_LAUNCHER_URL (one agent, several workers on its machine). */
  launcherShared: boolean;
  /** How often the reaper reconciles open profiles and slots with the lease store and Temporal. */
  reaperIntervalMs: number;
  /** How long a browser stays open after its job's task for the next job on its profile; 0: off. */
  lingerMs: number;
  /** How long a shutdown waits for hosted jobs to finish their host steps before it stops polling. */
  drainGraceMs: number;
  /** Redis for a fleet's leases; unset: the in-memory store of a single worker. */
  redis?: { url: string; prefix: string };
  secrets: { file?: string; json?: string };
  /** Which client owns which profile: a job for another client's profile is refused before it starts. */
  profileOwners?: ProfileOwners;
  /** Caps on the work one task run does, whatever the pages say. */
  taskLimits: TaskLimits;
  webhookTimeoutMs: number;
  /** Signing secrets (fleet default, per client), whether unsigned is allowed, the egress allowlist. */
  webhook: WebhookSettings;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Screenshots and Playwright traces of failed tasks, and how long they are kept. */
  artifactsDir: string;
  artifactsRetentionMs: number;
  /** The trace link template (MLX_TRACE_URL_TEMPLATE): a run's details in the Temporal UI link its trace. */
  traceUrlTemplate?: string;
  /** Whether each attempt records a Playwright trace, kept when it fails, up to `maxBytes`. */
  failureTrace: { detail: 'actions' | 'full' | 'off'; maxBytes: number };
  /** The step policies and bounds clients resolve at submit: a run's input is checked against them. */
  policy: PolicyConfig;
  /** Encryption keys and the claim-check store (shared with clients). */
  payload: PayloadSettings;
  /** With keys: take workflow input that is not encrypted (a migration to encryption). */
  allowPlaintextPayloads: boolean;
  /** How often this worker removes blobs of runs Temporal no longer has. */
  claimCheckSweepMs: number;
  /**
   * Where /metrics, /healthz and /readyz are served; port 0 picks a free one. `defaulted`: the address
   * is the default (MLX_METRICS_ADDRESS unset), so a taken port falls back to a free one.
   */
  metrics: { host: string; port: number; defaulted?: boolean; platforms?: string[] };
  /** Where the Temporal SDK's own metrics are served (its exporter, its own scrape target); as `metrics`. */
  sdkMetrics: { host: string; port: number; defaulted?: boolean };
}

type WorkerEnv = z.output<typeof WorkerEnvSchema>;

export function loadWorkerConfig(env: Env = process.env): WorkerConfig {
  const set = setVariables(env);
  const e = parseEnv(WorkerEnvSchema, set);
  return {
    temporal: loadTemporalSettings(set),
    settingSecrets: settingSecrets(set),
    taskQueue: e.MLX_TASK_QUEUE,
    workerId: e.MLX_WORKER_ID,
    launcherUrl: e.MLX_LAUNCHER_URL,
    mlxToken: e.MLX_TOKEN,
    mlx: mlxSettings(e),
    chromiumPath: e.MLX_CHROMIUM_PATH,
    dataDir: resolve(e.MLX_DATA_DIR),
    headless: e.MLX_HEADLESS,
    cdpHost: e.MLX_CDP_HOST,
    leaseTtlMs: e.MLX_LEASE_TTL_MS,
    maxOpenProfiles: e.MLX_MAX_OPEN_PROFILES,
    launcherShared: e.MLX_LAUNCHER_SHARED,
    reaperIntervalMs: e.MLX_REAPER_INTERVAL_MS,
    lingerMs: e.MLX_PROFILE_LINGER_MS,
    drainGraceMs: e.MLX_DRAIN_GRACE_MS,
    redis: redisSettings(e),
    secrets: { file: e.MLX_TASK_SECRETS_FILE, json: e.MLX_TASK_SECRETS },
    profileOwners: profileOwners(e),
    taskLimits: taskLimitsOf(e),
    webhookTimeoutMs: e.MLX_WEBHOOK_TIMEOUT_MS,
    webhook: webhookSettings(e),
    logLevel: e.MLX_LOG_LEVEL,
    artifactsDir: resolve(e.MLX_ARTIFACTS_DIR ?? resolve(e.MLX_DATA_DIR, 'artifacts')),
    artifactsRetentionMs: e.MLX_ARTIFACTS_RETENTION_MS,
    traceUrlTemplate: e.MLX_TRACE_URL_TEMPLATE,
    failureTrace: { detail: e.MLX_TRACE_FAILED_ATTEMPTS, maxBytes: e.MLX_TRACE_MAX_BYTES },
    policy: loadPolicyConfig(set, (path) => readFileSync(path, 'utf8')),
    payload: payloadSettings(e),
    allowPlaintextPayloads: e.MLX_PAYLOAD_ALLOW_PLAINTEXT,
    claimCheckSweepMs: e.MLX_CLAIM_CHECK_SWEEP_MS,
    metrics: {
      ...hostPort(e.MLX_METRICS_ADDRESS),
      defaulted: set.MLX_METRICS_ADDRESS === undefined,
      platforms: e.MLX_METRICS_PLATFORMS?.split(','),
    },
    sdkMetrics: {
      ...hostPort(e.MLX_SDK_METRICS_ADDRESS),
      defaulted: set.MLX_SDK_METRICS_ADDRESS === undefined,
    },
  };
}

/** MLX_TASK_MAX_*: the caps on one task run. */
export function taskLimitsOf(
  e: Pick<WorkerEnv, 'MLX_TASK_MAX_PAGES' | 'MLX_TASK_MAX_ROWS' | 'MLX_TASK_MAX_EXPORT_BYTES'>,
): TaskLimits {
  return { pages: e.MLX_TASK_MAX_PAGES, rows: e.MLX_TASK_MAX_ROWS, exportBytes: e.MLX_TASK_MAX_EXPORT_BYTES };
}

function hostPort(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  return { host: address.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port: Number(address.slice(at + 1)) };
}

function mlxSettings(e: WorkerEnv): WorkerConfig['mlx'] {
  const account = {
    MLX_EMAIL: e.MLX_EMAIL,
    MLX_PASSWORD: e.MLX_PASSWORD,
    MLX_WORKSPACE_ID: e.MLX_WORKSPACE_ID,
  };
  const given = Object.entries(account).filter(([, v]) => v !== undefined);
  const missing = Object.keys(account).filter((k) => account[k as keyof typeof account] === undefined);
  if (given.length > 0 && missing.length > 0) {
    throw new ConfigError(
      `bad setting ${missing[0]}: cloud sign-in needs MLX_EMAIL, MLX_PASSWORD and MLX_WORKSPACE_ID together`,
    );
  }
  if (given.length > 0 && e.MLX_TOKEN) {
    throw new ConfigError(
      'bad setting MLX_TOKEN: set either MLX_TOKEN or MLX_EMAIL/MLX_PASSWORD/MLX_WORKSPACE_ID',
    );
  }
  if (e.MLX_AUTOMATION_TOKEN && given.length === 0) {
    throw new ConfigError(
      'bad setting MLX_AUTOMATION_TOKEN: needs MLX_EMAIL, MLX_PASSWORD and MLX_WORKSPACE_ID',
    );
  }
  if (e.MLX_LAUNCHER_CA_FILE && e.MLX_LAUNCHER_INSECURE) {
    throw new ConfigError(
      'bad setting MLX_LAUNCHER_INSECURE: set either it or MLX_LAUNCHER_CA_FILE, not both',
    );
  }
  return {
    signIn:
      e.MLX_EMAIL && e.MLX_PASSWORD && e.MLX_WORKSPACE_ID
        ? {
            cloudUrl: e.MLX_CLOUD_URL.replace(/\/+$/, ''),
            email: e.MLX_EMAIL,
            password: e.MLX_PASSWORD,
            workspaceId: e.MLX_WORKSPACE_ID,
            automationTokenPeriod: e.MLX_AUTOMATION_TOKEN,
          }
        : undefined,
    strictMode: e.MLX_STRICT_MODE,
    launcherCaFile: e.MLX_LAUNCHER_CA_FILE && resolve(e.MLX_LAUNCHER_CA_FILE),
    launcherInsecure: e.MLX_LAUNCHER_INSECURE,
    startRetry: {
      coreDownloadingDelayMs: e.MLX_CORE_DOWNLOADING_RETRY_MS,
      proxyMaxAttempts: e.MLX_PROXY_MAX_ATTEMPTS,
    },
  };
}
