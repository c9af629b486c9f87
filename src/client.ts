/**
 * Client library (startJob, getJob, waitForJob, cancelJob; batches; schedules) and the `mlx-jobs` CLI
 * when run directly.
 */
import { startTelemetry } from './telemetry';

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

if (require.main === module) {
  const telemetry = startTelemetry({ serviceName: 'mlx-client' });
  const exit = (code: number) =>
    void telemetry
      .shutdown()
      .catch(() => undefined)
      .finally(() => process.exit(code));
  void import('./cli/run-cli').then(({ runCli, describeCliError }) =>
    runCli(process.argv.slice(2)).then(exit, (err: unknown) => {
      const known = describeCliError(err);
      console.error(`mlx-jobs: ${known?.message ?? String(err)}`);
      if (!known) console.error(err);
      exit(known?.code ?? 1);
    }),
  );
}
