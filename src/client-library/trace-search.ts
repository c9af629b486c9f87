import { z } from 'zod';
import { ATTR, type StepName } from '../contract';
import { detectTraceBackend } from './trace-query';

/** The span each step's attempt opens (src/activities), the one a step filter looks at. */
export const STEP_SPANS: Readonly<Record<StepName, string>> = {
  acquireLease: 'mlx.lease.acquire',
  startProfile: 'mlx.profile.start',
  cdpConnect: 'mlx.cdp.connect',
  executeTask: 'mlx.task.execute',
  stopProfile: 'mlx.profile.stop',
  releaseLease: 'mlx.lease.release',
  postWebhook: 'mlx.webhook.post',
};
const JOB_SPANS = ['mlx.job.run', 'mlx.job.retry'];

/** The recipe's questions: jobs of a platform or client, failed with a type, slow or failed at a step. */
export interface TraceSearch {
  platform?: string;
  clientId?: string;
  failureType?: string;
  /** Look at this step's spans (else at the job's span). */
  step?: StepName;
  /** The step's (or the job's) span took at least this long. */
  minDurationMs?: number;
  /** Only spans with status ERROR. */
  failed?: boolean;
  /** How far back, from now. */
  sinceMs: number;
  limit: number;
}

export interface FoundTrace {
  trace_id: string;
  job_id?: string;
  /** completed, failed or cancelled (the job span's mlx.outcome); `running` while the job span is open. */
  outcome: string;
  failure_type?: string;
  /** How often the job was retried from a dead letter (its latest run's mlx.dead_letter.retry). */
  retries: number;
  /** The job span's duration, else the longest span found. */
  duration_ms: number;
  started_at: string;
}

const quote = (value: string) => JSON.stringify(value);

/**
 * TraceQL for Tempo's /api/search: the matching spans, with the job's span of the same trace. By span
 * name, whatever service sent them: the workers' service.name is theirs to choose (OTEL_SERVICE_NAME),
 * and only they open these spans.
 */
export function traceQl(search: TraceSearch): string {
  const conditions = [
    search.step ? `name = ${quote(STEP_SPANS[search.step])}` : `name =~ "mlx.job.(run|retry)"`,
  ];
  if (search.platform) conditions.push(`span.${ATTR.platform} = ${quote(search.platform)}`);
  if (search.clientId) conditions.push(`span.${ATTR.clientId} = ${quote(search.clientId)}`);
  if (search.failureType) conditions.push(`span.${ATTR.failureType} = ${quote(search.failureType)}`);
  if (search.failed) conditions.push('status = error');
  if (search.minDurationMs !== undefined) conditions.push(`duration >= ${search.minDurationMs}ms`);
  const matching = `{ ${conditions.join(' && ')} }`;
  const spans = search.step ? `${matching} && { name =~ "mlx.job.(run|retry)" }` : matching;
  return `${spans} | select(span.${ATTR.jobId}, span.${ATTR.outcome}, span.${ATTR.failureType}, span.${ATTR.deadLetterRetry})`;
}

/**
 * Jaeger's tag search (/api/traces), once per service it knows (Jaeger searches one service at a time;
 * the workers' service.name is theirs to choose) and span name it must look at. Jaeger v2 cannot search
 * by status, so `failed` is applied to its answer (parseJaegerSearch).
 */
export function jaegerQueries(search: TraceSearch, nowMs: number, services: string[]): URLSearchParams[] {
  const tags: Record<string, string> = {};
  if (search.platform) tags[ATTR.platform] = search.platform;
  if (search.clientId) tags[ATTR.clientId] = search.clientId;
  if (search.failureType) tags[ATTR.failureType] = search.failureType;
  const operations = search.step ? [STEP_SPANS[search.step]] : JOB_SPANS;
  return services.flatMap((service) =>
    operations.map((operation) => {
      const params = new URLSearchParams({
        service,
        operation,
        limit: String(search.limit),
        start: String((nowMs - search.sinceMs) * 1000),
        end: String(nowMs * 1000),
      });
      if (Object.keys(tags).length) params.set('tags', JSON.stringify(tags));
      if (search.minDurationMs !== undefined) params.set('minDuration', `${search.minDurationMs}ms`);
      return params;
    }),
  );
}

const JaegerServices = z.object({ data: z.array(z.string()).nullable() });

const JaegerTag = z.object({ key: z.string(), value: z.unknown() });
const JaegerTraces = z.object({
  data: z
    .array(
      z.object({
        traceID: z.string(),
        spans: z.array(
          z.object({
            operationName: z.string(),
            startTime: z.number(),
            duration: z.number(),
            tags: z.array(JaegerTag).optional(),
          }),
        ),
      }),
    )
    .nullable(),
});

const TempoValue = z.looseObject({
  stringValue: z.string().optional(),
  intValue: z.union([z.string(), z.number()]).optional(),
});
const TempoSpan = z.looseObject({
  name: z.string().optional(),
  startTimeUnixNano: z.string().optional(),
  durationNanos: z.string().optional(),
  attributes: z.array(z.object({ key: z.string(), value: TempoValue })).optional(),
});
const TempoSearch = z.object({
  traces: z
    .array(
      z.looseObject({
        traceID: z.string(),
        startTimeUnixNano: z.string().optional(),
        durationMs: z.number().optional(),
        spanSets: z.array(z.looseObject({ spans: z.array(TempoSpan) })).optional(),
        spanSet: z.looseObject({ spans: z.array(TempoSpan) }).optional(),
      }),
    )
    .optional(),
});

interface SpanFacts {
  name?: string;
  startMs: number;
  durationMs: number;
  attributes: Record<string, string>;
}

function summarize(traceId: string, spans: SpanFacts[], fallbackDurationMs?: number): FoundTrace {
  // A job retried from a dead letter has a span per run: the latest run tells how the job stands.
  const job = spans
    .filter((s) => (s.name && JOB_SPANS.includes(s.name)) || s.attributes[ATTR.outcome])
    .sort((a, b) => b.startMs - a.startMs)[0];
  const attribute = (key: string) =>
    job?.attributes[key] ?? spans.find((s) => s.attributes[key])?.attributes[key];
  const failureType = job ? job.attributes[ATTR.failureType] : attribute(ATTR.failureType);
  const start = Math.min(...spans.map((s) => s.startMs));
  return {
    trace_id: traceId,
    job_id: attribute(ATTR.jobId),
    outcome: job?.attributes[ATTR.outcome] ?? (job ? 'unknown' : 'running'),
    retries: Number(job?.attributes[ATTR.deadLetterRetry] ?? 0),
    failure_type: failureType,
    duration_ms: Math.round(
      job?.durationMs ?? fallbackDurationMs ?? Math.max(0, ...spans.map((s) => s.durationMs)),
    ),
    started_at: new Date(Number.isFinite(start) ? start : 0).toISOString(),
  };
}

/** Tempo's /api/search answer, one entry per trace. */
export function parseTempoSearch(body: unknown): FoundTrace[] {
  const parsed = TempoSearch.parse(body);
  return (parsed.traces ?? []).map((t) => {
    const sets = t.spanSets ?? (t.spanSet ? [t.spanSet] : []);
    const spans = sets.flatMap((set) =>
      set.spans.map((s) => ({
        name: s.name,
        startMs: Number(BigInt(s.startTimeUnixNano ?? t.startTimeUnixNano ?? '0') / 1_000_000n),
        durationMs: Number(BigInt(s.durationNanos ?? '0') / 1000n) / 1000,
        attributes: Object.fromEntries(
          (s.attributes ?? []).map((a) => [a.key, a.value.stringValue ?? String(a.value.intValue ?? '')]),
        ),
      })),
    );
    return summarize(t.traceID, spans, t.durationMs);
  });
}

/** Jaeger's /api/traces answer, one entry per trace; with `failedSpan`, only traces where it failed. */
export function parseJaegerSearch(body: unknown, failedSpan?: string): FoundTrace[] {
  const failed = (span: { operationName: string; tags?: { key: string; value: unknown }[] }) =>
    span.operationName === failedSpan && span.tags?.some((t) => t.key === 'error' && t.value === true);
  const traces = (JaegerTraces.parse(body).data ?? []).filter((t) => !failedSpan || t.spans.some(failed));
  return traces.map((t) =>
    summarize(
      t.traceID,
      t.spans.map((s) => ({
        name: s.operationName,
        startMs: s.startTime / 1000,
        durationMs: s.duration / 1000,
        attributes: Object.fromEntries((s.tags ?? []).map((tag) => [tag.key, String(tag.value)])),
      })),
    ),
  );
}

/** Finds jobs' traces in Tempo (TraceQL) or Jaeger (tag search), newest first. */
export async function searchTraces(
  queryUrl: string,
  search: TraceSearch,
  nowMs = Date.now(),
): Promise<FoundTrace[]> {
  const get = async (path: string) => {
    const response = await fetch(`${queryUrl}${path}`, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(15_000),
    });
    if (!response.ok)
      throw new Error(`trace backend answered ${response.status} for ${path}: ${await response.text()}`);
    return (await response.json()) as unknown;
  };
  let found: FoundTrace[];
  if ((await detectTraceBackend(queryUrl)) === 'tempo') {
    const params = new URLSearchParams({
      q: traceQl(search),
      limit: String(search.limit),
      start: String(Math.floor((nowMs - search.sinceMs) / 1000)),
      end: String(Math.ceil(nowMs / 1000)),
    });
    found = parseTempoSearch(await get(`/api/search?${params}`));
  } else {
    const services = JaegerServices.parse(await get('/api/services')).data ?? [];
    const queries = jaegerQueries(search, nowMs, services);
    const answers = await Promise.all(
      queries.map(async (p) =>
        parseJaegerSearch(
          await get(`/api/traces?${p}`),
          search.failed ? (p.get('operation') ?? '') : undefined,
        ),
      ),
    );
    const byId = new Map(answers.flat().map((t) => [t.trace_id, t]));
    found = [...byId.values()];
  }
  return found.sort((a, b) => b.started_at.localeCompare(a.started_at)).slice(0, search.limit);
}
