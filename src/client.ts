/**
 * Client library (startJob, getJob, waitForJob, cancelJob) and the `mlx-jobs` CLI when run directly.
 */
import { startTelemetry } from './telemetry';

export { connectClient } from './api/connect';
export { cancelJob, getJob, jobFailureOf, JobParkedError, startJob, waitForJob } from './api/jobs';
export { discardDeadLetter, listDeadLetters, retryDeadLetter } from './api/dead-letters';
export type { DeadLetterSummary } from './api/dead-letters';
export type { DeadLetterFilter, DeadLetterInfo, RetryRequest } from './dead-letter';
export type { JobStatus, StartedJob, StartJobOptions, WaitOptions } from './api/jobs';
export { temporalUiLink } from './api/links';
export { JobSpecSchema, parseJobSpec, workflowIdFor } from './job';
export type { JobProgress, JobResult, JobSpec, WebhookBody } from './job';

if (require.main === module) {
  const telemetry = startTelemetry({ serviceName: 'mlx-client' });
  const exit = (code: number) =>
    void telemetry
      .shutdown()
      .catch(() => undefined)
      .finally(() => process.exit(code));
  void import('./cli/main').then(({ runCli, describeCliError }) =>
    runCli(process.argv.slice(2)).then(exit, (err: unknown) => {
      const known = describeCliError(err);
      console.error(`mlx-jobs: ${known?.message ?? String(err)}`);
      if (!known) console.error(err);
      exit(known?.code ?? 1);
    }),
  );
}
