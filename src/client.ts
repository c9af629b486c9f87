/**
 * Client library (startJob, getJob, waitForJob, cancelJob) and the `mlx-jobs` CLI when run directly.
 */
import { startTelemetry } from './telemetry';

export {
  cancelJob,
  connectClient,
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
export { discardDeadLetter, listDeadLetters, retryDeadLetter, type DeadLetterSummary } from './dead-letters';
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
      // Output to a pipe is written asynchronously: exit once a large `--json` answer is all out.
      .finally(() => process.stdout.write('', () => process.exit(code)));
  void import('./cli/run-cli').then(({ runCli, describeCliError }) =>
    runCli(process.argv.slice(2)).then(exit, (err: unknown) => {
      const known = describeCliError(err);
      console.error(`mlx-jobs: ${known?.message ?? String(err)}`);
      if (!known) console.error(err);
      exit(known?.code ?? 1);
    }),
  );
}
