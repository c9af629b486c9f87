import { context, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { defineQuery, setHandler, upsertMemo, workflowInfo } from '@temporalio/workflow';
import type { JobProgress, JobResult, RunJobInput } from '../contract';
import { ATTR, jobAttributes, jobRef, runAttributes, TRACE_ID_MEMO } from '../contract/span-attributes';
import { DeadLetterDesk, settle, webhookFailure, type Outcome } from '../dead-letters';
import { checkInput } from './check-input';
import { driveSteps } from './drive-steps';
import type { JobContext } from './job-context';
import { placeJobSpan, reportJobEnded, startedBy } from './job-span';
import { ProgressTracker } from './progress-tracker';
import { Questions } from './questions';
import { report } from './report';
import { RunMetadata } from './run-metadata';
import { refuseUnencrypted } from './refuse-unencrypted';
import { scheduledRunInput } from './scheduled-run';
import { WaitingFor } from './waiting-for';

export type { RunJobInput };

export const progressQuery = defineQuery<JobProgress>('progress');

const tracer = trace.getTracer('mlx.automation');

/**
 * One job: check its input, drive its steps (lease, start, attach, task, stop, release, report), then
 * settle the outcome.
 * Ends completed, cancelled, or failed (typed) — after waiting as a dead letter for an operator's retry
 * or discard when a retention is configured.
 */
export async function runJob(started: RunJobInput): Promise<JobResult> {
  refuseUnencrypted(started);
  // Under what started the run, as the job span will be: RunWorkflow is exported only when the run
  // closes, so the check's activity span below it would have no parent in the trace while a job waits.
  const parent = startedBy();
  await (parent ? context.with(parent, () => checkInput(started)) : checkInput(started));
  const input = scheduledRunInput(started);
  const { spec } = input;
  const startedAt = Date.now();
  // The run's user metadata in the Temporal UI: its current details and a summary per activity.
  const metadata = new RunMetadata(spec, () => ({
    progress: ctx.progress.snapshot(desk.info),
    deadLetter: desk.info,
  }));
  const onChange = () => metadata.refresh();
  const progress = new ProgressTracker(spec.job_id, onChange);
  // The job's span, once it exists: the questions' events go on it.
  let jobSpan: Span | undefined;
  const ctx: JobContext = {
    input,
    spec,
    job: jobRef(spec, input.schedule?.schedule_id),
    policies: input.policies,
    progress,
    metadata,
    waiting: new WaitingFor(progress, spec.profile_id),
    questions: new Questions(spec.job_id, progress, (name, attrs) => jobSpan?.addEvent(name, attrs)),
  };
  const desk = new DeadLetterDesk(spec, onChange);
  setHandler(progressQuery, () => ctx.progress.snapshot(desk.info));
  const attributes = {
    ...jobAttributes(ctx.job),
    ...runAttributes(workflowInfo()),
    [ATTR.task]: spec.task.name,
  };
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
      jobSpan = span;
      const { traceId, spanId } = span.spanContext();
      const traced = trace.isSpanContextValid(span.spanContext());
      // In the memo, shown in the Temporal UI, so an operator goes from a run to its trace. A client that
      // traces the submit writes it as it starts the run (the job's span is in the submit's trace): then
      // nothing is written here.
      const traceIdNow = traced ? traceId : '';
      if (workflowInfo().memo?.[TRACE_ID_MEMO] !== traceIdNow) upsertMemo({ [TRACE_ID_MEMO]: traceIdNow });
      if (traced) {
        metadata.setTrace(traceId);
        // A retry from a dead letter continues as new with this input: its span links to this one; and
        // an operator's dlq command links to it (the desk writes it to the memo when the job parks).
        settling = { ...input, retried_run: { trace_id: traceId, span_id: spanId } };
        desk.linkTrace(spanId);
      }
      try {
        const result = await driveSteps(ctx);
        recordOutcome(span, result);
        reportJobEnded(input, result, startedAt, traced ? traceId : undefined);
        return result;
      } finally {
        jobSpan = undefined;
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
