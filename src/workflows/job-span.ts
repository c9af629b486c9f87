import { ROOT_CONTEXT, trace, type Context, type Link, type SpanOptions } from '@opentelemetry/api';
import { proxySinks } from '@temporalio/workflow';
import type { MlxSinks, RunJobInput } from '../contract';
import { ATTR } from '../contract/span-attributes';
import type { Outcome } from '../dead-letters';

/** The job span's place in the trace: its name, its parent context, and its links. */
export interface JobSpanPlacement {
  name: 'mlx.job.run' | 'mlx.job.retry';
  parent: Context;
  options: SpanOptions;
}

/**
 * Where the job's span goes. Temporal exports `RunWorkflow` only when the run closes, which for a job
 * parked as a dead letter may be days later; a job span below it would have a missing parent meanwhile.
 * So the job span hangs off whatever started the run (RunWorkflow's own parent: the caller's
 * StartWorkflow span, or for a dead-letter retry the first run's ContinueAsNew span), which is
 * exported at once. When the caller does not trace, the job span starts the job's trace itself.
 * A retry from a dead letter is `mlx.job.retry`, linked to the span of the run it retries.
 */
export function placeJobSpan(input: RunJobInput): JobSpanPlacement {
  const retries = input.dead_letter_retries ?? 0;
  const links: Link[] = [];
  const previous = input.retried_run;
  if (retries > 0 && previous) {
    links.push({
      context: { traceId: previous.trace_id, spanId: previous.span_id, traceFlags: 1, isRemote: true },
      attributes: { [ATTR.linkReason]: 'retried run' },
    });
  }
  const options: SpanOptions = {
    links,
    attributes: retries > 0 ? { [ATTR.deadLetterRetry]: retries } : {},
  };
  const name = retries > 0 ? 'mlx.job.retry' : 'mlx.job.run';
  const parent = startedBy();
  return parent
    ? { name, parent, options }
    : { name, parent: ROOT_CONTEXT, options: { ...options, root: true } };
}

/**
 * RunWorkflow's own parent (what started the run), as a context to hang spans off; undefined when the
 * caller does not trace. It reads nothing of the run's input, so the input check can run under it.
 */
export function startedBy(): Context | undefined {
  const run = trace.getActiveSpan();
  // sdk-trace-base spans (the interceptors' workflow tracer) expose their parent's id (ReadableSpan).
  const parentSpanId = (run as { parentSpanId?: unknown } | undefined)?.parentSpanId;
  if (!run || typeof parentSpanId !== 'string') return undefined;
  const { traceId, traceFlags } = run.spanContext();
  return trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId: parentSpanId, traceFlags, isRemote: true });
}

/** Counts the job's outcome in the worker's metrics (a sink: never again on replay). */
export function reportJobEnded(
  input: RunJobInput,
  outcome: Outcome,
  startedAt: number,
  traceId?: string,
): void {
  proxySinks<MlxSinks>().mlxMetrics.jobEnded({
    platform: input.spec.platform,
    task: input.spec.task.name,
    outcome: outcome.status,
    duration_ms: Date.now() - startedAt,
    trace_id: traceId,
    failure_type: outcome.failure?.type,
    failed_step: outcome.failure?.step,
  });
}
