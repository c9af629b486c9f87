import { searchTraces, traceLink, type TraceSearch } from '../client-library';
import type { ClientConfig } from '../config';
import { STEPS, type StepName } from '../contract';
import { parseCommandArgs, UsageError } from './usage-error';

export const TRACES_HELP = `Usage: mlx-jobs traces [--platform P] [--client C] [--type T] [--step S]
                       [--min-duration D] [--failed] [--since D] [--limit N] [--json]

Finds jobs' traces in the trace backend (MLX_TRACE_QUERY_URL): Tempo through TraceQL, Jaeger through
its tag search. One line per trace: job id, outcome, duration, start and the trace's link (or its id).

  --platform P       jobs of this platform (span attribute mlx.platform)
  --client C         jobs of this client (mlx.client_id)
  --type T           spans that failed with this failure type (mlx.failure_type), e.g. PlatformBanned
  --step S           look at this step's spans instead of the job's: ${STEPS.join(', ')}
  --min-duration D   the step's (or job's) span took at least D, e.g. 30s, 500ms, 2m
  --failed           only spans with status ERROR
  --since D          how far back (default 1h)
  --limit N          at most N traces (default 20)

Examples (the recipe's questions):
  mlx-jobs traces --platform lazada_id --failed
  mlx-jobs traces --step startProfile --min-duration 30s
  mlx-jobs traces --step executeTask --type PlatformBanned`;

const OPTIONS = {
  platform: { type: 'string' },
  client: { type: 'string' },
  type: { type: 'string' },
  step: { type: 'string' },
  'min-duration': { type: 'string' },
  failed: { type: 'boolean' },
  since: { type: 'string' },
  limit: { type: 'string' },
  json: { type: 'boolean' },
} as const;

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `30s`, `500ms`, `2m`, `1h`, `7d` in milliseconds; a UsageError naming the option otherwise. */
export function parseDuration(option: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value.trim());
  if (!m)
    throw new UsageError(`--${option} must be a duration such as 30s, 500ms, 2m or 1h (got "${value}")`);
  return Math.round(Number(m[1]) * UNITS[m[2]!]!);
}

function ms(value: number): string {
  return value < 1000
    ? `${value} ms`
    : value < 120_000
      ? `${(value / 1000).toFixed(1)} s`
      : `${(value / 60_000).toFixed(1)} min`;
}

/** `mlx-jobs traces …`: args are what follows `traces`. */
export async function runTraces(
  args: string[],
  ctx: { config: ClientConfig; out: (line: string) => void },
): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    { args, allowPositionals: true, options: OPTIONS },
    TRACES_HELP,
  );
  if (positionals.length) throw new UsageError('traces takes no arguments', TRACES_HELP);
  const { queryUrl, urlTemplate } = ctx.config.trace;
  if (!queryUrl) {
    throw new UsageError(
      'set MLX_TRACE_QUERY_URL to the trace backend (Jaeger http://host:16686, Tempo http://host:3200)',
    );
  }
  if (values.step !== undefined && !(STEPS as readonly string[]).includes(values.step)) {
    throw new UsageError(`--step must be one of ${STEPS.join(', ')} (got "${values.step}")`);
  }
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new UsageError('--limit must be a whole number from 1 to 1000');
  const search: TraceSearch = {
    platform: values.platform,
    clientId: values.client,
    failureType: values.type,
    step: values.step as StepName | undefined,
    minDurationMs:
      values['min-duration'] === undefined
        ? undefined
        : parseDuration('min-duration', values['min-duration']),
    failed: values.failed ?? false,
    sinceMs: parseDuration('since', values.since ?? '1h'),
    limit,
  };
  const found = await searchTraces(queryUrl, search);
  if (values.json) {
    ctx.out(JSON.stringify(found.map((t) => ({ ...t, trace_url: traceLink(urlTemplate, t.trace_id) }))));
    return 0;
  }
  if (found.length === 0) ctx.out('no matching traces');
  for (const t of found) {
    const failed = t.failure_type && t.outcome !== 'completed' ? ` ${t.failure_type}` : '';
    const outcome = `${t.outcome}${failed}${t.retries ? ` (retry ${t.retries})` : ''}`;
    ctx.out(
      `${(t.job_id ?? '?').padEnd(32)} ${outcome.padEnd(28)} ${ms(t.duration_ms).padStart(10)}  ${t.started_at}  ${traceLink(urlTemplate, t.trace_id) ?? t.trace_id}`,
    );
  }
  if (found.length && !urlTemplate)
    ctx.out('(draw one: mlx-jobs trace JOB_ID; set MLX_TRACE_URL_TEMPLATE for links)');
  return 0;
}
