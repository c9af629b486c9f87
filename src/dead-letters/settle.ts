import { ApplicationFailure, continueAsNew, log } from '@temporalio/workflow';
import type {
  DeadLetterKind,
  JobFailureInfo,
  JobProgress,
  JobResult,
  RunJobInput,
  StepRecord,
} from '../contract';
import { failureInfo } from '../contract/failure-info';
import { deadLetterRules } from '../contract/schemas-on-demand';
import type { DeadLetterDesk } from './desk';

/** What one pass through the steps left behind. */
export interface Outcome {
  status: 'completed' | 'failed' | 'cancelled';
  output?: unknown;
  error?: unknown;
  failure?: JobFailureInfo;
  workerId: string;
  /** Set when the report to callback_url could not be delivered. */
  webhookError?: unknown;
}

/** What settling needs of the run it ends. */
export interface SettleContext {
  input: RunJobInput;
  desk: DeadLetterDesk;
  progress: { finish(state: JobProgress['state']): void; steps(): StepRecord[] };
  /** Posts the outcome's report again; returns the delivery's failure, if it failed for good. */
  redeliver(outcome: Outcome): Promise<unknown>;
}

/** Turns the outcome into the run's result or failure, parking the job as a dead letter if configured. */
export async function settle(ctx: SettleContext, outcome: Outcome): Promise<JobResult> {
  const { input, desk, progress } = ctx;
  const retentionMs = input.dead_letter_retention_ms ?? 0;
  const parks = outcome.status !== 'cancelled' && retentionMs > 0;
  // The job's own failure outranks the webhook's.
  let kind: DeadLetterKind = outcome.status === 'failed' ? 'job' : 'webhook';
  if (outcome.status === 'completed' && outcome.webhookError === undefined) {
    progress.finish('completed');
    return jobResult(ctx, outcome);
  }
  if (!parks) {
    if (outcome.status === 'cancelled') {
      progress.finish('cancelled');
      throw outcome.error as Error; // keeps the run Cancelled, not Failed
    }
    progress.finish('failed');
    throw finalFailure(outcome);
  }

  const retries = input.dead_letter_retries ?? 0;
  for (;;) {
    const failed = kind === 'job' ? outcome.failure! : webhookFailure(outcome);
    progress.finish('dead_letter');
    log.warn('job parked as a dead letter', { kind, failure: failed });
    const decision = await desk.park(kind, failed, {
      retentionMs,
      retries,
      ...(kind === 'job' && input.spec.callback_url && { webhookDelivered: !outcome.webhookError }),
    });
    if (decision.action === 'retry' && kind === 'job') {
      desk.clearFailure();
      await continueAsNew<(input: RunJobInput) => Promise<JobResult>>({
        ...input,
        spec: deadLetterRules().amendedSpec(input.spec, decision.request),
        dead_letter_retries: retries + 1,
      });
    }
    if (decision.action === 'retry') {
      progress.finish('running');
      outcome.webhookError = await ctx.redeliver(outcome);
      if (outcome.webhookError === undefined) {
        desk.clearFailure();
        progress.finish('completed');
        return jobResult(ctx, outcome);
      }
      kind = 'webhook';
      continue;
    }
    progress.finish('failed');
    const resolution =
      decision.action === 'discard'
        ? { outcome: 'discarded' as const, reason: decision.reason }
        : { outcome: 'expired' as const };
    throw finalFailure(outcome, resolution);
  }
}

/** The failure of a job that finished but whose report could not be delivered. */
export function webhookFailure(outcome: Outcome): JobFailureInfo {
  const info = failureInfo(outcome.webhookError);
  return {
    type: info.type,
    message: `the job ${outcome.status} but its webhook could not be delivered: ${info.message}`,
    step: 'postWebhook',
  };
}

/** The failure a run closes with; its details carry the JobFailureInfo (and a completed job's output). */
function finalFailure(outcome: Outcome, resolution?: JobFailureInfo['dead_letter']): ApplicationFailure {
  const failed = outcome.failure ?? webhookFailure(outcome);
  const ended =
    resolution?.outcome === 'discarded'
      ? `; discarded by an operator: ${resolution.reason}`
      : resolution?.outcome === 'expired'
        ? '; nobody retried it before its dead-letter retention ended'
        : '';
  const details = outcome.failure
    ? { ...outcome.failure, ...(resolution && { dead_letter: resolution }) }
    : { ...failed, output: outcome.output, ...(resolution && { dead_letter: resolution }) };
  return ApplicationFailure.create({
    type: failed.type,
    message: outcome.failure
      ? `${failed.step ?? 'job'} failed: ${failed.message}${ended}`
      : `${failed.message}${ended}`,
    nonRetryable: true,
    details: [details],
    cause: (outcome.error ?? outcome.webhookError) as Error,
  });
}

function jobResult(ctx: SettleContext, outcome: Outcome): JobResult {
  const { spec } = ctx.input;
  return {
    job_id: spec.job_id,
    status: 'completed',
    task: spec.task.name,
    worker_id: outcome.workerId,
    output: outcome.output,
    steps: ctx.progress.steps(),
  };
}
