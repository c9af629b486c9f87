import { SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { defineQuery, patched, setHandler, upsertMemo } from '@temporalio/workflow';
import type { JobProgress, JobResult, RunJobInput } from '../contract';
import { ATTR, jobAttributes, jobRef } from '../contract/span-attributes';
import { DeadLetterDesk, settle, webhookFailure, type Outcome } from '../dead-letters';
import { driveSteps } from './drive-steps';
import type { JobContext } from './job-context';
import { placeJobSpan, reportJobEnded } from './job-span';
import { ProgressTracker } from './progress-tracker';
import { report } from './report';
import { RunMetadata } from './run-metadata';
import { scheduledRunInput } from './scheduled-run';

export type { RunJobInput };

export const progressQuery = defineQuery<JobProgress>('progress');

const tracer = trace.getTracer('mlx.automation');

/**
 * One job: drive its steps (lease, start, attach, task, stop, release, report), then settle the outcome.
 * Ends completed, cancelled, or failed (typed) — after waiting as a dead letter for an operator's retry
 * or discard when a retention is configured.
 */
export async function runJob(started: RunJobInput): Promise<JobResult> {
  const input = scheduledRunInput(started);
  const { spec } = input;
  const startedAt = Date.now();
  // The run's user metadata in the Temporal UI. Patched: older runs set none.
  const metadata = patched('run-metadata')
    ? new RunMetadata(spec, () => ({ progress: ctx.progress.snapshot(desk.info), deadLetter: desk.info }))
    : undefined;
  const onChange = () => metadata?.refresh();
  const ctx: JobContext = {
    input,
    spec,
    job: jobRef(spec, input.schedule?.schedule_id),
    policies: input.policies,
    progress: new ProgressTracker(spec.job_id, onChange),
    metadata,
  };
  const desk = new DeadLetterDesk(spec, onChange);
  setHandler(progressQuery, () => ctx.progress.snapshot(desk.info));
  const attributes = { ...jobAttributes(ctx.job), [ATTR.task]: spec.task.name };
  // The job's root span; Temporal's StartActivity/RunActivity spans and each step's span nest below it.
  // It ends before the job is parked, so the trace is complete while the job waits for an operator.
  const placement = placeJobSpan(input);
  let settling = input;
  const spanOptions = {
    ...placement.options,
    attributes: { ...attributes, ...placement.options.attributes },
  };
  const outcome = await tracer.startActiveSpan(
    placement.name,
    spanOptions,
    placement.parent,
    async (span) => {
      const { traceId, spanId } = span.spanContext();
      const traced = trace.isSpanContextValid(span.spanContext());
      // Shown in the Temporal UI, so an operator goes from a run to its trace. Patched: older runs lack it.
      // Since `trace-id-memo-always` it is written whatever the worker's tracing (empty when off), so a
      // run's history never depends on how the worker that ran it was set up.
      if (patched('trace-id-memo')) {
        const memo = { trace_id: traced ? traceId : '', ...(metadata && traced && { span_id: spanId }) };
        if (patched('trace-id-memo-always')) upsertMemo(memo);
        else if (traced) upsertMemo(memo);
      }
      if (traced) metadata?.setTrace(traceId);
      // A retry from a dead letter continues as new with this input: its span links to this one.
      if (traced && metadata) settling = { ...input, retried_run: { trace_id: traceId, span_id: spanId } };
      try {
        const result = await driveSteps(ctx);
        recordOutcome(span, result);
        reportJobEnded(input, result, startedAt, traced ? traceId : undefined);
        return result;
      } finally {
        span.end();
      }
    },
  );
  return settle({ input: settling, desk, progress: ctx.progress, redeliver: (o) => report(ctx, o) }, outcome);
}

function recordOutcome(span: Span, outcome: Outcome): void {
  span.setAttribute(ATTR.outcome, outcome.status);
  const failed = outcome.failure ?? (outcome.webhookError ? webhookFailure(outcome) : undefined);
  if (outcome.status === 'cancelled' || !failed) return;
  span.setStatus({ code: SpanStatusCode.ERROR, message: failed.message });
  span.setAttribute(ATTR.failureType, failed.type);
  if (failed.step) span.setAttribute(ATTR.failedStep, failed.step);
}
