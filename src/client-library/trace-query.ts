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
  attributes: Record<string, string>;
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
});
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
          attributes: Object.fromEntries((span.attributes ?? []).map((a) => [a.key, text(a.value)])),
        });
      }
    }
  }
  return spans;
}

/**
 * Fetches a trace from the backend's query API: Jaeger v2 (`/api/v3/traces/{id}`, OTLP JSON) or, when
 * that route does not exist, Tempo (`/api/traces/{id}`). Returns an empty list while the trace is not
 * there yet.
 */
export async function fetchTrace(queryUrl: string, traceId: string): Promise<TraceSpan[]> {
  const get = (path: string) =>
    fetch(`${queryUrl}${path}`, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(10_000),
    });
  const jaeger = await get(`/api/v3/traces/${traceId}`);
  if (jaeger.ok) return parseTrace(await jaeger.json());
  // Jaeger answers an unknown trace with a JSON error; Tempo has no such route at all.
  if (jaeger.status === 404 && (await jaeger.text()).includes('httpCode')) return [];
  const tempo = await get(`/api/traces/${traceId}`);
  if (tempo.status === 404) return [];
  if (!tempo.ok) throw new Error(`trace backend answered ${tempo.status} for /api/traces/${traceId}`);
  return parseTrace(await tempo.json());
}
