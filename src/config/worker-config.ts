/**
 * Every setting, read from the environment and validated by zod. A bad setting stops start-up with one
 * line naming the variable and the reason (ConfigError).
 */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULT_START_RETRY_RULES, type StartRetryRules } from '../policies/start-retry';
import { ConfigError } from '../contract/config-error';
import { loadPolicyConfig, type PolicyConfig } from '../policies/overrides';

export { ConfigError };

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => ['true', '1', 'yes'].includes(v));
const positiveInt = z.coerce.number().int().positive();
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

const EnvSchema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_API_KEY: optionalString,
  TEMPORAL_TLS: bool.optional(),
  TEMPORAL_TLS_CLIENT_CERT_PATH: optionalString,
  TEMPORAL_TLS_CLIENT_KEY_PATH: optionalString,
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: optionalString,
  TEMPORAL_TLS_SERVER_NAME: optionalString,
  MLX_TASK_QUEUE: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, . _ - only')
    .default('mlx-jobs'),
  MLX_WORKER_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, . _ - only')
    .default(() => hostname().replace(/[^A-Za-z0-9._-]/g, '-')),
  MLX_LAUNCHER_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  MLX_TOKEN: optionalString,
  MLX_CLOUD_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .default('https://api.multilogin.com'),
  MLX_EMAIL: optionalString,
  MLX_PASSWORD: optionalString,
  MLX_WORKSPACE_ID: optionalString,
  MLX_AUTOMATION_TOKEN: z.enum(['24h', 'no_exp'], { error: 'must be 24h or no_exp' }).optional(),
  MLX_STRICT_MODE: bool.default(false),
  MLX_LAUNCHER_CA_FILE: optionalString,
  MLX_LAUNCHER_INSECURE: bool.default(false),
  MLX_CORE_DOWNLOADING_RETRY_MS: positiveInt.default(DEFAULT_START_RETRY_RULES.coreDownloadingDelayMs),
  MLX_PROXY_MAX_ATTEMPTS: positiveInt.default(DEFAULT_START_RETRY_RULES.proxyMaxAttempts),
  MLX_CHROMIUM_PATH: z.string().min(1).default('/usr/bin/chromium'),
  MLX_DATA_DIR: z.string().min(1).default('.data'),
  MLX_HEADLESS: bool.default(true),
  MLX_CDP_HOST: z.string().min(1).default('127.0.0.1'),
  MLX_LEASE_TTL_MS: positiveInt.default(60_000),
  MLX_MAX_OPEN_PROFILES: positiveInt.default(4),
  MLX_REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }).optional(),
  MLX_REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]+$/, 'letters, digits, : _ - only')
    .default('mlx'),
  MLX_TASK_SECRETS_FILE: optionalString,
  MLX_TASK_SECRETS: optionalString,
  MLX_WEBHOOK_TIMEOUT_MS: positiveInt.default(10_000),
  MLX_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  MLX_TEMPORAL_UI_URL: z.url({ error: 'must be a URL' }).default('http://127.0.0.1:8233'),
  MLX_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  MLX_ARTIFACTS_DIR: optionalString,
  MLX_POLICIES_FILE: optionalString,
  MLX_TRACE_URL_TEMPLATE: z
    .string()
    .regex(/^https?:\/\/.*\{trace_id\}/, 'must be an http(s) URL containing {trace_id}')
    .default('http://127.0.0.1:16686/trace/{trace_id}'),
  MLX_DEAD_LETTER_RETENTION_MS: z.coerce
    .number()
    .int('must be a whole number of milliseconds')
    .min(0, 'must be 0 (never park) or more')
    .default(7 * 24 * 3600 * 1000),
  MLX_TRACE_QUERY_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
});

export interface Config {
  temporal: {
    address: string;
    namespace: string;
    apiKey?: string;
    tls?: { clientCertPath?: string; clientKeyPath?: string; serverCaCertPath?: string; serverName?: string };
    uiUrl: string;
  };
  taskQueue: string;
  workerId: string;
  /** Undefined: the worker runs the local launcher in-process (embedded default). */
  launcherUrl?: string;
  mlxToken?: string;
  mlx: {
    /** Sign in to the cloud API for tokens, instead of a fixed MLX_TOKEN. */
    signIn?: {
      cloudUrl: string;
      email: string;
      password: string;
      workspaceId: string;
      automationTokenPeriod?: '24h' | 'no_exp';
    };
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
  /** Redis for a fleet's leases; unset: the in-memory store of a single worker. */
  redis?: { url: string; prefix: string };
  secrets: { file?: string; json?: string };
  webhookTimeoutMs: number;
  /** HMAC-SHA256 key the webhook bodies are signed with. */
  webhookSecret?: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Screenshots of failed tasks. */
  artifactsDir: string;
  /** Step timeouts and retry policies, and the bounds on a job's own overrides. */
  policy: PolicyConfig;
  /** How long a job that cannot succeed waits as a dead letter for an operator; 0: it fails at once. */
  deadLetterRetentionMs: number;
  trace: {
    /** Link to one trace in Tempo, Grafana or Jaeger; `{trace_id}` is replaced. */
    urlTemplate: string;
    /** Base URL of the trace backend's query API (Jaeger :16686, Tempo :3200), for `mlx-jobs trace`. */
    queryUrl?: string;
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable (`MLX_LAUNCHER_URL=`, compose's `${X:-}`) means unset.
  const set = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = EnvSchema.safeParse(set);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue?.path.join('.') ?? '(environment)';
    throw new ConfigError(`bad setting ${key}: ${issue?.message ?? 'invalid'}`);
  }
  const e = parsed.data;
  const tlsWanted =
    e.TEMPORAL_TLS ??
    Boolean(e.TEMPORAL_TLS_CLIENT_CERT_PATH ?? e.TEMPORAL_TLS_SERVER_CA_CERT_PATH ?? e.TEMPORAL_API_KEY);
  if (Boolean(e.TEMPORAL_TLS_CLIENT_CERT_PATH) !== Boolean(e.TEMPORAL_TLS_CLIENT_KEY_PATH)) {
    throw new ConfigError(
      'bad setting TEMPORAL_TLS_CLIENT_CERT_PATH: set it together with TEMPORAL_TLS_CLIENT_KEY_PATH (mTLS needs both)',
    );
  }
  return {
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      apiKey: e.TEMPORAL_API_KEY,
      tls: tlsWanted
        ? {
            clientCertPath: e.TEMPORAL_TLS_CLIENT_CERT_PATH,
            clientKeyPath: e.TEMPORAL_TLS_CLIENT_KEY_PATH,
            serverCaCertPath: e.TEMPORAL_TLS_SERVER_CA_CERT_PATH,
            serverName: e.TEMPORAL_TLS_SERVER_NAME,
          }
        : undefined,
      uiUrl: e.MLX_TEMPORAL_UI_URL.replace(/\/+$/, ''),
    },
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
    redis: e.MLX_REDIS_URL ? { url: e.MLX_REDIS_URL, prefix: e.MLX_REDIS_PREFIX } : undefined,
    secrets: { file: e.MLX_TASK_SECRETS_FILE, json: e.MLX_TASK_SECRETS },
    webhookTimeoutMs: e.MLX_WEBHOOK_TIMEOUT_MS,
    webhookSecret: e.MLX_WEBHOOK_SECRET,
    logLevel: e.MLX_LOG_LEVEL,
    artifactsDir: resolve(e.MLX_ARTIFACTS_DIR ?? resolve(e.MLX_DATA_DIR, 'artifacts')),
    policy: loadPolicyConfig(set),
    deadLetterRetentionMs: e.MLX_DEAD_LETTER_RETENTION_MS,
    trace: { urlTemplate: e.MLX_TRACE_URL_TEMPLATE, queryUrl: e.MLX_TRACE_QUERY_URL?.replace(/\/+$/, '') },
  };
}

/** The queue only this worker polls: host-bound steps (the browser lives here) are sent to it. */
export function hostTaskQueue(taskQueue: string, workerId: string): string {
  return `${taskQueue}@${workerId}`;
}

function mlxSettings(e: z.output<typeof EnvSchema>): Config['mlx'] {
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
