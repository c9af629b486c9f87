import { z } from 'zod';

/** One span of a trace, as `mlx-jobs trace` draws it. */
export interface TraceSpan {
  spanId: string;
  parentSpanId?: string;
  name: string;
  service: string;
  startNs: bigint;
  endNs: bigint;
  error: boolean;
  /** internal, server, client, producer or consumer */
  kind: string;
  attributes: Record<string, string>;
  /** Spans this one links to (e.g. an operator's command to the job it acted on). */
  links: { traceId: string; spanId: string }[];
}

const AnyValue = z.looseObject({
  stringValue: z.string().optional(),
  intValue: z.union([z.string(), z.number()]).optional(),
  boolValue: z.boolean().optional(),
  doubleValue: z.number().optional(),
});
const KeyValue = z.object({ key: z.string(), value: AnyValue.optional() });
const Span = z.looseObject({
  spanId: z.string(),
  parentSpanId: z.string().optional(),
  name: z.string(),
  startTimeUnixNano: z.union([z.string(), z.number()]),
  endTimeUnixNano: z.union([z.string(), z.number()]),
  attributes: z.array(KeyValue).optional(),
  status: z.looseObject({ code: z.union([z.number(), z.string()]).optional() }).optional(),
  kind: z.union([z.number(), z.string()]).optional(),
  links: z.array(z.looseObject({ traceId: z.string(), spanId: z.string() })).optional(),
});

const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
function kindName(kind: number | string | undefined): string {
  if (typeof kind === 'number') return KINDS[kind] ?? 'unspecified';
  return (kind ?? 'SPAN_KIND_INTERNAL').replace(/^SPAN_KIND_/, '').toLowerCase();
}
const ScopeSpans = z.looseObject({ spans: z.array(Span).optional() });
const ResourceSpans = z.looseObject({
  resource: z.looseObject({ attributes: z.array(KeyValue).optional() }).optional(),
  scopeSpans: z.array(ScopeSpans).optional(),
  instrumentationLibrarySpans: z.array(ScopeSpans).optional(),
});
const Batches = z.array(ResourceSpans);
/** Jaeger's /api/v3/traces answers {result:{resourceSpans}}, Tempo's /api/traces {batches} or {resourceSpans}. */
const TraceResponse = z.union([
  z
    .looseObject({ result: z.looseObject({ resourceSpans: Batches }) })
    .transform((r) => r.result.resourceSpans),
  z.looseObject({ resourceSpans: Batches }).transform((r) => r.resourceSpans),
  z.looseObject({ batches: Batches }).transform((r) => r.batches),
]);

function text(value: z.output<typeof AnyValue> | undefined): string {
  if (!value) return '';
  const v = value.stringValue ?? value.intValue ?? value.boolValue ?? value.doubleValue;
  return v === undefined ? '' : String(v);
}

/** OTLP JSON carries ids as hex; some backends send base64. */
function hexId(id: string | undefined): string | undefined {
  if (!id) return undefined;
  if (/^[0-9a-f]+$/i.test(id) && (id.length === 16 || id.length === 32)) return id.toLowerCase();
  const hex = Buffer.from(id, 'base64').toString('hex');
  return /^0+$/.test(hex) ? undefined : hex;
}

export function parseTrace(body: unknown): TraceSpan[] {
  const spans: TraceSpan[] = [];
  const parsed = TraceResponse.safeParse(body);
  if (!parsed.success) throw new Error(`the trace backend answered a body that is not an OTLP JSON trace`);
  for (const batch of parsed.data) {
    const service =
      text(batch.resource?.attributes?.find((a) => a.key === 'service.name')?.value) || '(unknown service)';
    for (const scope of [...(batch.scopeSpans ?? []), ...(batch.instrumentationLibrarySpans ?? [])]) {
      for (const span of scope.spans ?? []) {
        const code = span.status?.code;
        spans.push({
          spanId: hexId(span.spanId) ?? span.spanId,
          parentSpanId: hexId(span.parentSpanId),
          name: span.name,
          service,
          startNs: BigInt(span.startTimeUnixNano),
          endNs: BigInt(span.endTimeUnixNano),
          error: code === 2 || code === 'STATUS_CODE_ERROR',
          kind: kindName(span.kind),
          attributes: Object.fromEntries((span.attributes ?? []).map((a) => [a.key, text(a.value)])),
          links: (span.links ?? []).map((l) => ({
            traceId: hexId(l.traceId) ?? l.traceId,
            spanId: hexId(l.spanId) ?? l.spanId,
          })),
        });
      }
    }
  }
  return spans;
}

/**
 * Which backend answers at a query URL: Tempo has `/api/echo`; anything else is taken for Jaeger (its
 * v2 query API: `/api/v3/traces`, and the tag search `/api/traces`).
 */
export async function detectTraceBackend(queryUrl: string): Promise<'tempo' | 'jaeger'> {
  const echo = await fetch(`${queryUrl}/api/echo`, { signal: AbortSignal.timeout(10_000) });
  return echo.ok && (await echo.text()).trim() === 'echo' ? 'tempo' : 'jaeger';
}

/**
 * Fetches a trace from the backend's query API: Jaeger v2 (`/api/v3/traces/{id}`, OTLP JSON) or Tempo
 * (`/api/traces/{id}`). Returns an empty list while the trace is not there yet.
 */
export async function fetchTrace(queryUrl: string, traceId: string): Promise<TraceSpan[]> {
  const path =
    (await detectTraceBackend(queryUrl)) === 'tempo' ? `/api/traces/${traceId}` : `/api/v3/traces/${traceId}`;
  const response = await fetch(`${queryUrl}${path}`, {
    headers: { accept: 'application/json' },
    signal: AbortSignal.timeout(10_000),
  });
  if (response.status === 404) return [];
  if (!response.ok) throw new Error(`trace backend answered ${response.status} for ${path}`);
  return parseTrace(await response.json());
}

/**
 * Whether a job's trace is whole in the backend: its job span is there, and every span's parent is too,
 * except the caller's (this process's own spans go out when it exits).
 */
export function traceIsWhole(spans: TraceSpan[]): boolean {
  const ids = new Set(spans.map((s) => s.spanId));
  const jobSpans = spans.filter((s) => s.name === 'mlx.job.run' || s.name === 'mlx.job.retry');
  if (jobSpans.length === 0) return false;
  const callers = new Set(jobSpans.map((s) => s.parentSpanId));
  return spans.every((s) => !s.parentSpanId || ids.has(s.parentSpanId) || callers.has(s.parentSpanId));
}

/**
 * Waits (polling) until the trace is whole in the backend, and holds a span of each name in `names`
 * (spans other services export on their own, e.g. a webhook receiver's); false when it is not within
 * `timeoutMs`.
 */
export async function waitForTrace(
  queryUrl: string,
  traceId: string,
  timeoutMs = 15_000,
  names: readonly string[] = [],
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const spans = await fetchTrace(queryUrl, traceId).catch(() => []);
    if (traceIsWhole(spans) && names.every((name) => spans.some((s) => s.name === name))) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
