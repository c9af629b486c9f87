/**
 * Client library (startJob, getJob, waitForJob, cancelJob) and the `mlx-jobs` CLI when run directly.
 */
import { startTelemetry } from './telemetry';

export { connectClient } from './client-library/connect-client';
export { cancelJob, getJob, jobFailureOf, JobParkedError, startJob, waitForJob } from './client-library/jobs';
export { discardDeadLetter, listDeadLetters, retryDeadLetter } from './dead-letters/operator';
export type { DeadLetterSummary } from './dead-letters/operator';
export type { DeadLetterFilter, DeadLetterInfo, RetryRequest } from './contract/dead-letter';
export type { JobStatus, StartedJob, StartJobOptions, WaitOptions } from './client-library/jobs';
export { temporalUiLink } from './client-library/links';
export { JobSpecSchema, parseJobSpec, workflowIdFor } from './contract/job-spec';
export type { JobProgress, JobResult, JobSpec, WebhookBody } from './contract/job-spec';

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
