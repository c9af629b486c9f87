/**
 * `mlx-jobs`: the client library. Submit, follow and cancel jobs; dead letters; batches; schedules;
 * describing tasks. Everything importable from the package is exported by this file and by
 * `mlx-jobs/worker`, `mlx-jobs/task` and `mlx-jobs/testing`; other modules are internal.
 */
export {
  cancelJob,
  connectClient,
  discardDeadLetter,
  listDeadLetters,
  retryDeadLetter,
  type DeadLetterSummary,
  type OperatorAnswer,
  getJob,
  jobFailureOf,
  JobParkedError,
  startJob,
  temporalUiLink,
  traceLink,
  waitForJob,
  type JobStatus,
  type StartedJob,
  type StartJobOptions,
  type WaitOptions,
} from './client-library';
export {
  backfillSchedule,
  batchOf,
  checkScheduleDefinition,
  createSchedules,
  deleteSchedule,
  describeSchedule,
  followJobs,
  listSchedules,
  pauseSchedule,
  readRecords,
  submitBatch,
  triggerSchedule,
  unpauseSchedule,
  validateBatch,
  type BackfillOptions,
  type BackfillResult,
  type BatchOptions,
  type BatchSubmission,
  type RunOutcome,
  type ScheduleCreation,
  type ScheduleDefinition,
  type ScheduleDetails,
  type ScheduleOverview,
} from './client-library';
export { describeTask, type TaskDescription } from './tasks';
export {
  JobSpecSchema,
  parseJobSpec,
  workflowIdFor,
  type DeadLetterFilter,
  type DeadLetterInfo,
  type JobProgress,
  type JobResult,
  type JobSpec,
  type RetryRequest,
  type WebhookBody,
} from './contract';
export { ConfigError, loadClientConfig, type ClientConfig } from './config';
