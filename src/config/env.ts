/** Reading settings from the environment: value types shared by both programs and one way to fail. */
import { z } from 'zod';
import { ConfigError } from '../contract';

export type Env = Readonly<Record<string, string | undefined>>;

export const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => ['true', '1', 'yes'].includes(v));
/**
 * A plain decimal integer within documented bounds: `1e9`, `0x10`, `1.5` and `+3` are refused, so a
 * setting means what it reads as.
 */
export const decimalInt = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,16}$/, 'must be a plain decimal integer')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
export const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));
export const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/** An empty variable (`MLX_LAUNCHER_URL=`, compose's `${X:-}`) means unset. */
export function setVariables(env: Env): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '',
    ),
  );
}

/** The environment through `schema`; a bad value stops start-up with one line naming the variable. */
export function parseEnv<S extends z.ZodType>(schema: S, env: Record<string, string>): z.output<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const key = issue?.path.join('.') || '(environment)';
  throw new ConfigError(`bad setting ${key}: ${issue?.message ?? 'invalid'}`);
}

/**
 * Settings both programs read: the task queue, the data dir, the fleet's Redis, and how payloads are
 * stored (encryption keys and the claim-check store), since the client must read what the worker writes.
 */
export const sharedSchema = z.object({
  MLX_DATA_DIR: z.string().min(1).default('.data'),
  MLX_TASK_QUEUE: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, . _ - only')
    .default('mlx-jobs'),
  MLX_REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }).optional(),
  MLX_REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]+$/, 'letters, digits, : _ - only')
    .default('mlx'),
  /**
   * A link to one trace in Grafana or a Jaeger with its web UI, `{trace_id}` replaced: clients print it,
   * workers put it in a run's details in the Temporal UI.
   */
  MLX_TRACE_URL_TEMPLATE: z
    .string()
    .regex(/^https?:\/\/.*\{trace_id\}/, 'must be an http(s) URL containing {trace_id}')
    .optional(),
});

export function redisSettings(e: z.output<typeof sharedSchema>): { url: string; prefix: string } | undefined {
  return e.MLX_REDIS_URL ? { url: e.MLX_REDIS_URL, prefix: e.MLX_REDIS_PREFIX } : undefined;
}

/** The OpenTelemetry variables the SDK and its OTLP exporters read (src/telemetry/setup.ts). */
export const OTEL_SETTINGS: readonly string[] = [
  'OTEL_SDK_DISABLED',
  'OTEL_SERVICE_NAME',
  'OTEL_RESOURCE_ATTRIBUTES',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_PROTOCOL',
  'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
  'OTEL_EXPORTER_OTLP_HEADERS',
  'OTEL_EXPORTER_OTLP_TRACES_HEADERS',
  'OTEL_EXPORTER_OTLP_TIMEOUT',
  'OTEL_EXPORTER_OTLP_COMPRESSION',
  'OTEL_EXPORTER_OTLP_CERTIFICATE',
  'OTEL_BSP_SCHEDULE_DELAY',
  'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
  'OTEL_TRACES_SAMPLER',
  'OTEL_TRACES_SAMPLER_ARG',
];
