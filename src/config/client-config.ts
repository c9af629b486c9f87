/**
 * What a client (the CLI, a program using the library) needs: where Temporal is, which queue jobs go
 * to, the step policies resolved at submit, how long dead letters wait, and where traces are linked and
 * queried. Worker-only settings are not read here, so a client never refuses to start over one.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../contract';
import { loadPolicyConfig, type PolicyConfig } from '../policies';
import {
  decimalInt,
  httpUrl,
  optionalString,
  parseEnv,
  redisSettings,
  setVariables,
  sharedSchema,
  type Env,
} from './env';
import { accessSchema, profileOwners } from './access-config';
import { egressPolicy, egressSchema } from './egress-config';
import type { EgressPolicy } from '../webhooks';
import { payloadSchema, payloadSettings } from './payload-config';
import type { PayloadSettings } from '../payload-codec';
import type { ProfileOwners } from '../secrets';
import { loadTemporalSettings, type TemporalSettings } from './temporal';

const ClientEnvSchema = sharedSchema.extend({
  ...payloadSchema.shape,
  ...accessSchema.shape,
  ...egressSchema.shape,
  /**
   * `mlx-jobs codec-server`: the token callers present, the address it listens on, the URL browsers
   * reach it at (its own origin), the UI origins CORS admits.
   */
  MLX_CODEC_SERVER_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  MLX_CODEC_SERVER_HOST: z
    .string()
    .regex(/^[A-Za-z0-9.:-]+$/, 'must be an IP address or a host name')
    .default('127.0.0.1'),
  MLX_CODEC_SERVER_PORT: decimalInt(0, 65_535).default(8081),
  MLX_CODEC_SERVER_URL: httpUrl.optional(),
  MLX_CODEC_SERVER_ORIGINS: optionalString,
  MLX_TEMPORAL_CONNECT_TIMEOUT_MS: decimalInt(100, 600_000).default(5_000),
  MLX_TEMPORAL_UI_URL: z.url({ error: 'must be a URL' }).default('http://127.0.0.1:8233'),
  MLX_TRACE_QUERY_URL: httpUrl.optional(),
  MLX_DEAD_LETTER_RETENTION_MS: decimalInt(0, 30 * 24 * 3600 * 1000).default(7 * 24 * 3600 * 1000),
});

export interface ClientConfig {
  /** `connectTimeoutMs`: how long a command waits for Temporal to answer before it gives up. */
  temporal: TemporalSettings & { uiUrl: string; connectTimeoutMs: number };
  taskQueue: string;
  /** Step timeouts and retry policies, and the bounds on a job's own overrides. */
  policy: PolicyConfig;
  /** How long a job that cannot succeed waits as a dead letter for an operator; 0: it fails at once. */
  deadLetterRetentionMs: number;
  trace: {
    /** Link to one trace in Grafana or a Jaeger with its web UI; `{trace_id}` is replaced. Unset: no link. */
    urlTemplate?: string;
    /** Base URL of the trace backend's query API (Jaeger :16686, Tempo :3200), for `mlx-jobs trace`. */
    queryUrl?: string;
  };
  /** The fleet's lease store, for `mlx-jobs leases`. */
  redis?: { url: string; prefix: string };
  /** Encryption keys and the claim-check store: the client reads and writes payloads as workers do. */
  payload: PayloadSettings;
  codecServer: { token?: string; host: string; port: number; publicUrl?: string; origins: string[] };
  /** Which client owns which profile: a job for another client's profile is refused at submit. */
  profileOwners?: ProfileOwners;
  /** The workers' callback_url allowlist: what needs no DNS to refuse is refused at submit. */
  egress: EgressPolicy;
}

export function loadClientConfig(env: Env = process.env): ClientConfig {
  const set = setVariables(env);
  const e = parseEnv(ClientEnvSchema, set);
  return {
    temporal: {
      ...loadTemporalSettings(set),
      uiUrl: e.MLX_TEMPORAL_UI_URL.replace(/\/+$/, ''),
      connectTimeoutMs: e.MLX_TEMPORAL_CONNECT_TIMEOUT_MS,
    },
    taskQueue: e.MLX_TASK_QUEUE,
    policy: loadPolicyConfig(set, (path) => readFileSync(path, 'utf8')),
    deadLetterRetentionMs: e.MLX_DEAD_LETTER_RETENTION_MS,
    trace: { urlTemplate: e.MLX_TRACE_URL_TEMPLATE, queryUrl: e.MLX_TRACE_QUERY_URL?.replace(/\/+$/, '') },
    redis: redisSettings(e),
    payload: payloadSettings(e),
    profileOwners: profileOwners(e),
    egress: egressPolicy(e),
    codecServer: {
      token: e.MLX_CODEC_SERVER_TOKEN,
      host: e.MLX_CODEC_SERVER_HOST,
      port: e.MLX_CODEC_SERVER_PORT,
      publicUrl: e.MLX_CODEC_SERVER_URL?.replace(/\/+$/, ''),
      origins: codecOrigins(e.MLX_CODEC_SERVER_ORIGINS, e.MLX_TEMPORAL_UI_URL),
    },
  };
}

/** Comma-separated origins; by default the Temporal UI's own. */
function codecOrigins(list: string | undefined, uiUrl: string): string[] {
  const origins = (list ?? new URL(uiUrl).origin).split(',').map((o) => o.trim());
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || parsed.origin !== origin) {
      throw new ConfigError(
        `bad setting MLX_CODEC_SERVER_ORIGINS: "${origin}" is not an origin such as https://temporal.example:8233`,
      );
    }
  }
  return origins;
}
