import {
  SpanStatusCode,
  trace,
  type Attributes,
  type Link,
  type Span,
  type SpanKind,
} from '@opentelemetry/api';
import { errorTypeOf, ATTR } from '../contract';

export const tracer = trace.getTracer('mlx.automation');

/** The taxonomy type of a failure, else the error's class name: what spans and metrics record. */
export function failureTypeOf(err: unknown): string {
  return errorTypeOf(err) ?? (err instanceof Error ? err.name : 'Error');
}

/**
 * Runs `fn` in an active span: children and log lines see it, a failure sets status ERROR and records
 * the taxonomy type, and the span always ends.
 */
export function inSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
  options: { kind?: SpanKind; links?: Link[] } = {},
): Promise<T> {
  return tracer.startActiveSpan(
    name,
    { attributes, kind: options.kind, links: options.links },
    async (span) => {
      try {
        return await fn(span);
      } catch (err) {
        const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
        span.setStatus({ code: SpanStatusCode.ERROR, message });
        span.setAttribute(ATTR.failureType, failureTypeOf(err));
        if (err instanceof Error) span.recordException(err);
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

/**
 * A link to another trace's span (e.g. from an operator's command to the job it acts on); none when
 * that span is not known.
 */
export function linkTo(traceId: string | undefined, spanId: string | undefined, reason: string): Link[] {
  if (!traceId || !spanId) return [];
  return [
    {
      context: { traceId, spanId, traceFlags: 1, isRemote: true },
      attributes: { [ATTR.linkReason]: reason },
    },
  ];
}

/** Trace and span id of the active span, for log lines; undefined outside any span. */
export function activeTraceIds(): { trace_id: string; span_id: string } | undefined {
  const context = trace.getActiveSpan()?.spanContext();
  if (!context || !trace.isSpanContextValid(context)) return undefined;
  return { trace_id: context.traceId, span_id: context.spanId };
}
