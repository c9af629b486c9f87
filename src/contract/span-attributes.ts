/**
 * Span attribute names and the attributes every job span carries, so a TraceQL query such as
 * `{ resource.service.name = "mlx-worker" && span.mlx.platform = "lazada_id" && status = error }` finds
 * them. Workflow-safe: no Node APIs.
 */
export interface JobRef {
  job_id: string;
  profile_id: string;
  platform: string;
  client_id: string;
  /** The schedule that started the job, for scheduled runs. */
  schedule_id?: string;
}

export const ATTR = {
  jobId: 'mlx.job_id',
  profileId: 'mlx.profile_id',
  platform: 'mlx.platform',
  clientId: 'mlx.client_id',
  attempt: 'mlx.attempt',
  workerId: 'mlx.worker_id',
  failureType: 'mlx.failure_type',
  failedStep: 'mlx.failed_step',
  task: 'mlx.task',
  scheduleId: 'mlx.schedule_id',
  /** completed, failed or cancelled: how the job's run through its steps ended (on the job span). */
  outcome: 'mlx.outcome',
  /** On mlx.job.retry: the how-manieth retry from a dead letter this run is. */
  deadLetterRetry: 'mlx.dead_letter.retry',
  /** Why a span links to another (e.g. an operator's command to the job it acted on). */
  linkReason: 'mlx.link.reason',
  /** The run a job span or step span belongs to: the trace backend links them to the Temporal UI. */
  workflowId: 'temporal.workflow_id',
  runId: 'temporal.run_id',
} as const;

/** The attributes that name the run: the workflow id and the run id. */
export function runAttributes(run?: { workflowId: string; runId: string }): Record<string, string> {
  return run ? { [ATTR.workflowId]: run.workflowId, [ATTR.runId]: run.runId } : {};
}

/** The run's memo keys for its trace: the job's trace id, and (once parked) its job span's id. */
export const TRACE_ID_MEMO = 'trace_id';
export const SPAN_ID_MEMO = 'span_id';

export function jobRef(spec: JobRef, scheduleId?: string): JobRef {
  return {
    job_id: spec.job_id,
    profile_id: spec.profile_id,
    platform: spec.platform,
    client_id: spec.client_id,
    ...(scheduleId && { schedule_id: scheduleId }),
  };
}

export function jobAttributes(job: JobRef): Record<string, string> {
  return {
    [ATTR.jobId]: job.job_id,
    [ATTR.profileId]: job.profile_id,
    [ATTR.platform]: job.platform,
    [ATTR.clientId]: job.client_id,
    ...(job.schedule_id && { [ATTR.scheduleId]: job.schedule_id }),
  };
}
