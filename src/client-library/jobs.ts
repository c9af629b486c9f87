import { setMaxListeners } from 'node:events';
import { trace } from '@opentelemetry/api';
import { decodeOptionalFailureToOptionalError } from '@temporalio/common/lib/internal-non-workflow';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  type Client,
  type WorkflowExecutionStatusName,
} from '@temporalio/client';
import {
  ApplicationFailure,
  CancelledFailure,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
} from '@temporalio/common';
import {
  workflowIdFor,
  type JobFailureInfo,
  type JobProgress,
  type JobResult,
  jobSearchAttributes,
  positionIn,
  type DeadLetterInfo,
  TRACE_ID_MEMO,
} from '../contract';
import { progressQuery, runJob } from '../workflows';
import { checkedSpec, runJobInput, type SubmitSettings } from './check-spec';
import { ATTR, jobAttributes } from '../contract';
import { inSpan } from '../telemetry';
import { enqueueTurn, queueState } from './profile-turns';
import { boundedQuery } from './bounded-query';
import { runDetails, runSummary } from './run-summary';
import { checkSameSpec, SPEC_DIGEST_MEMO, specDigest } from './spec-digest';

const QUEUE_ASK_TIMEOUT_MS = 5_000;

export interface StartJobOptions extends SubmitSettings {
  taskQueue: string;
  /** Links the run's details in the Temporal UI to its trace (Config.trace.urlTemplate). */
  traceUrlTemplate?: string;
}

export interface StartedJob {
  job_id: string;
  workflow_id: string;
  run_id: string;
  /** False when a run for this job_id already existed: nothing new was started. */
  created: boolean;
}

/**
 * Validates the spec and starts its workflow. Idempotent per job_id: while a run is open, or after one
 * completed, the existing run is returned instead of a second one, when the spec is the same; a
 * different spec under the same job_id is a JobConflict naming the differing fields. A failed, cancelled
 * or terminated job may be submitted again.
 */
export async function startJob(client: Client, spec: unknown, options: StartJobOptions): Promise<StartedJob> {
  const job = checkedSpec(spec, options);
  const workflowId = workflowIdFor(job.job_id);
  const digest = specDigest(job);
  // The submit is the root of the job's trace: its id is known here, for the run's details in the UI.
  const attributes = { ...jobAttributes(job), [ATTR.task]: job.task.name };
  return inSpan('mlx.job.submit', attributes, async (span) => {
    const { traceId } = span.spanContext();
    const traced = trace.isSpanContextValid(span.spanContext());
    try {
      const handle = await client.workflow.start(runJob, {
        taskQueue: options.taskQueue,
        workflowId,
        args: [runJobInput(job, options)],
        typedSearchAttributes: jobSearchAttributes(job),
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
        staticSummary: runSummary(job),
        staticDetails: runDetails(job, traced ? traceId : undefined, options.traceUrlTemplate),
        // The job's span is in this trace: the run need not write the id to its memo itself.
        memo: { [SPEC_DIGEST_MEMO]: digest, ...(traced && { [TRACE_ID_MEMO]: traceId }) },
      });
      const run_id = handle.firstExecutionRunId;
      // In the profile's line now, so turns follow the order of submission, not the order in which the
      // runs' first workflow tasks happen to be dispatched. The job asks where it stands itself, and
      // joins the line when this failed (or for runs a schedule starts). Bounded: a Temporal that is
      // slow to answer must not hold up submissions.
      const request = { workflow_id: workflowId, run_id, job_id: job.job_id, asked_at: Date.now() };
      await client
        .withAbortSignal(AbortSignal.timeout(QUEUE_ASK_TIMEOUT_MS), () =>
          enqueueTurn(client, { profile_id: job.profile_id, task_queue: options.taskQueue, request }),
        )
        .catch((err: unknown) => span.addEvent('profile line not joined', { 'error.type': errorName(err) }));
      return { job_id: job.job_id, workflow_id: workflowId, run_id, created: true };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      const existing = await client.workflow.getHandle(workflowId).describe();
      span.setAttribute('mlx.job.already_started', true);
      checkSameSpec(job.job_id, existing.memo?.[SPEC_DIGEST_MEMO], digest);
      return { job_id: job.job_id, workflow_id: workflowId, run_id: existing.runId, created: false };
    }
  });
}

export interface PendingStep {
  step: string;
  attempt: number;
  last_failure?: string;
}

export interface JobStatus {
  job_id: string;
  workflow_id: string;
  run_id: string;
  status: WorkflowExecutionStatusName;
  started_at: string;
  closed_at?: string;
  /** From the workflow's progress query; absent when no worker answered it within QUERY_TIMEOUT_MS. */
  progress?: JobProgress;
  /** Steps Temporal is running or retrying now, with their attempt numbers. */
  pending: PendingStep[];
  result?: JobResult;
  failure?: JobFailureInfo;
  /** The job's trace, recorded by the workflow in its memo (absent when tracing was off). */
  trace_id?: string;
  /** The job span of its latest run, for span links to it (runs from before `run-metadata` lack it). */
  trace_span_id?: string;
}

export async function getJob(client: Client, jobId: string): Promise<JobStatus> {
  const handle = client.workflow.getHandle<typeof runJob>(workflowIdFor(jobId));
  const description = await handle.describe();
  // Failure messages are encoded (encrypted) in Temporal: decoded here as the client's data converter does.
  const pending = await Promise.all(
    (description.raw.pendingActivities ?? []).map(async (activity) => ({
      step: activity.activityType?.name ?? 'unknown',
      attempt: activity.attempt ?? 1,
      last_failure: (
        await decodeOptionalFailureToOptionalError(client.options.loadedDataConverter, activity.lastFailure)
      )?.message,
    })),
  );
  const status: JobStatus = {
    job_id: jobId,
    workflow_id: description.workflowId,
    run_id: description.runId,
    status: description.status.name,
    started_at: description.startTime.toISOString(),
    closed_at: description.closeTime?.toISOString(),
    pending,
    trace_id:
      typeof description.memo?.[TRACE_ID_MEMO] === 'string' ? description.memo[TRACE_ID_MEMO] : undefined,
    trace_span_id: typeof description.memo?.span_id === 'string' ? description.memo.span_id : undefined,
  };
  if (description.status.name === 'COMPLETED') {
    // A completed run's result holds its steps: no worker needs to replay it to answer a query.
    const result = await handle.result();
    status.result = result;
    status.progress = { job_id: jobId, state: 'completed', worker_id: result.worker_id, steps: result.steps };
  } else {
    status.progress = await boundedQuery(client, () => handle.query(progressQuery));
    if (status.progress?.waiting) await refreshWait(client, status.progress, status);
  }
  if (description.status.name === 'FAILED') {
    status.failure = await handle.result().then(
      () => undefined,
      (err: unknown) => jobFailureOf(err),
    );
  }
  return status;
}

/**
 * A waiting job's place in its profile's line, asked of the line now (the job's own record is as of its
 * last ask): behind which job, how many ahead.
 */
async function refreshWait(client: Client, progress: JobProgress, run: JobStatus): Promise<void> {
  const { waiting } = progress;
  if (!waiting) return;
  const state = await boundedQuery(client, () => queueState(client, waiting.profile_id));
  const position = state && positionIn(state, { workflow_id: run.workflow_id, run_id: run.run_id });
  if (!position || position.granted) return;
  progress.waiting = {
    ...waiting,
    ahead: position.ahead,
    behind_job_id: position.holder_job_id,
    behind_since: position.holder_since ? new Date(position.holder_since).toISOString() : undefined,
  };
}

export interface WaitOptions {
  /** Called whenever the job's progress changes. */
  onProgress?: (status: JobStatus) => void;
  pollIntervalMs?: number;
}

/** What waitForJob throws when the job did not close but was parked for an operator. */
export class JobParkedError extends Error {
  constructor(
    readonly jobId: string,
    readonly deadLetter: DeadLetterInfo,
  ) {
    super(
      `job ${jobId} is parked as a dead letter: ${deadLetter.failure.type}: ${deadLetter.failure.message}`,
    );
    this.name = 'JobParkedError';
  }
}

/**
 * Waits until the job closes and returns its result. A failed job throws WorkflowFailedError; a job
 * parked as a dead letter (it stays open, waiting for an operator) throws JobParkedError.
 */
export async function waitForJob(
  client: Client,
  jobId: string,
  options: WaitOptions = {},
): Promise<JobResult> {
  const handle = client.workflow.getHandle<typeof runJob>(workflowIdFor(jobId));
  const stop = new AbortController();
  // The SDK adds an abort listener to this signal for every long poll of the result (about one per 20 s)
  // and never removes it: without this, a wait of a few minutes prints a MaxListenersExceededWarning.
  // They go with the signal when the wait ends.
  setMaxListeners(0, stop.signal);
  const result = client.withAbortSignal(stop.signal, () => handle.result());
  let done = false;
  let last = '';
  let parked: DeadLetterInfo | undefined;
  const poll = async () => {
    if (!options.onProgress) {
      // Only the parked state matters here: the progress query alone tells it.
      parked = (await boundedQuery(client, () => handle.query(progressQuery)))?.dead_letter;
      if (parked) stop.abort();
      return;
    }
    const status = await getJob(client, jobId).catch(() => undefined);
    parked = status?.progress?.dead_letter;
    if (parked) stop.abort();
    const progress = status?.progress;
    const key = JSON.stringify([
      progress?.steps.map((s) => s.status),
      status?.pending,
      progress?.waiting,
      progress?.question?.question_id,
    ]);
    if (status && key !== last) {
      last = key;
      options.onProgress(status);
    }
  };
  let wake = () => {};
  const watch = async () => {
    while (!done && !parked) {
      await poll();
      if (done || parked) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.pollIntervalMs ?? 1000);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  };
  const watching = watch();
  try {
    return await result;
  } catch (err) {
    if (parked) throw new JobParkedError(jobId, parked);
    throw err;
  } finally {
    done = true;
    wake();
    await watching;
    if (options.onProgress && !parked) await poll(); // the steps that finished since the last poll
  }
}

export async function cancelJob(client: Client, jobId: string): Promise<void> {
  await client.workflow.getHandle(workflowIdFor(jobId)).cancel();
}

/** The typed failure a job ended with (or is parked with), from the error waitForJob throws. */
export function jobFailureOf(err: unknown): JobFailureInfo {
  if (err instanceof JobParkedError) return err.deadLetter.failure;
  const cause = err instanceof WorkflowFailedError ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    const info = cause.details?.[0] as Partial<JobFailureInfo> | undefined;
    return {
      type: info?.type ?? cause.type ?? 'Error',
      message: info?.message ?? cause.message,
      step: info?.step,
      evidence: info?.evidence,
      dead_letter: info?.dead_letter,
    };
  }
  if (cause instanceof CancelledFailure) return { type: 'Cancelled', message: cause.message };
  return { type: 'Error', message: cause instanceof Error ? cause.message : String(cause) };
}

const errorName = (err: unknown) => (err instanceof Error ? err.name : typeof err);
