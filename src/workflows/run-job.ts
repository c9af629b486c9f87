import { SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { defineQuery, patched, setHandler, upsertMemo } from '@temporalio/workflow';
import { ATTR, jobAttributes, jobRef, type JobProgress, type JobResult, type RunJobInput } from '../contract';
import { DeadLetterDesk, settle, webhookFailure, type Outcome } from '../dead-letters';
import { driveSteps } from './drive-steps';
import type { JobContext } from './job-context';
import { ProgressTracker } from './progress-tracker';
import { report } from './report';

export type { RunJobInput };

export const progressQuery = defineQuery<JobProgress>('progress');

const tracer = trace.getTracer('mlx.automation');

/**
 * One job: drive its steps (lease, start, attach, task, stop, release, report), then settle the outcome.
 * Ends completed, cancelled, or failed (typed) — after waiting as a dead letter for an operator's retry
 * or discard when a retention is configured.
 */
export async function runJob(input: RunJobInput): Promise<JobResult> {
  const { spec } = input;
  const ctx: JobContext = {
    input,
    spec,
    job: jobRef(spec),
    policies: input.policies,
    progress: new ProgressTracker(spec.job_id),
  };
  const desk = new DeadLetterDesk(spec);
  setHandler(progressQuery, () => ctx.progress.snapshot(desk.info));
  const attributes = { ...jobAttributes(ctx.job), [ATTR.task]: spec.task.name };
  // The job's root span; Temporal's StartActivity/RunActivity spans and each step's span nest below it.
  // It ends before the job is parked, so the trace is complete while the job waits for an operator.
  const outcome = await tracer.startActiveSpan('mlx.job.run', { attributes }, async (span) => {
    // Shown in the Temporal UI, so an operator goes from a run to its trace. Patched: older runs lack it.
    // Since `trace-id-memo-always` it is written whatever the worker's tracing (empty when off), so a
    // run's history never depends on how the worker that ran it was set up.
    if (patched('trace-id-memo')) {
      const traced = trace.isSpanContextValid(span.spanContext());
      if (patched('trace-id-memo-always')) upsertMemo({ trace_id: traced ? span.spanContext().traceId : '' });
      else if (traced) upsertMemo({ trace_id: span.spanContext().traceId });
    }
    try {
      const result = await driveSteps(ctx);
      recordOutcome(span, result);
      return result;
    } finally {
      span.end();
    }
  });
  return settle({ input, desk, progress: ctx.progress, redeliver: (o) => report(ctx, o) }, outcome);
}

function recordOutcome(span: Span, outcome: Outcome): void {
  const failed = outcome.failure ?? (outcome.webhookError ? webhookFailure(outcome) : undefined);
  if (outcome.status === 'cancelled' || !failed) return;
  span.setStatus({ code: SpanStatusCode.ERROR, message: failed.message });
  span.setAttribute(ATTR.failureType, failed.type);
  if (failed.step) span.setAttribute(ATTR.failedStep, failed.step);
}
