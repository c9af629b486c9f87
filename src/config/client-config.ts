/**
 * What a client (the CLI, a program using the library) needs: where Temporal is, which queue jobs go
 * to, the step policies resolved at submit, how long dead letters wait, and where traces are linked and
 * queried. Worker-only settings are not read here, so a client never refuses to start over one.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { loadPolicyConfig, type PolicyConfig } from '../policies';
import { httpUrl, parseEnv, redisSettings, setVariables, sharedSchema, type Env } from './env';
import { loadTemporalSettings, type TemporalSettings } from './temporal';

const ClientEnvSchema = sharedSchema.extend({
  MLX_TEMPORAL_UI_URL: z.url({ error: 'must be a URL' }).default('http://127.0.0.1:8233'),
  MLX_TRACE_URL_TEMPLATE: z
    .string()
    .regex(/^https?:\/\/.*\{trace_id\}/, 'must be an http(s) URL containing {trace_id}')
    .optional(),
  MLX_TRACE_QUERY_URL: httpUrl.optional(),
  MLX_DEAD_LETTER_RETENTION_MS: z.coerce
    .number()
    .int('must be a whole number of milliseconds')
    .min(0, 'must be 0 (never park) or more')
    .default(7 * 24 * 3600 * 1000),
});

export interface ClientConfig {
  temporal: TemporalSettings & { uiUrl: string };
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
}

export function loadClientConfig(env: Env = process.env): ClientConfig {
  const set = setVariables(env);
  const e = parseEnv(ClientEnvSchema, set);
  return {
    temporal: { ...loadTemporalSettings(set), uiUrl: e.MLX_TEMPORAL_UI_URL.replace(/\/+$/, '') },
    taskQueue: e.MLX_TASK_QUEUE,
    policy: loadPolicyConfig(set, (path) => readFileSync(path, 'utf8')),
    deadLetterRetentionMs: e.MLX_DEAD_LETTER_RETENTION_MS,
    trace: { urlTemplate: e.MLX_TRACE_URL_TEMPLATE, queryUrl: e.MLX_TRACE_QUERY_URL?.replace(/\/+$/, '') },
    redis: redisSettings(e),
  };
}
