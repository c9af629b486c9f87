import { SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  continueAsNew,
  defineQuery,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setHandler,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import type { HostActivities, SharedActivities, LeaseGrant } from '../activities';
import {
  amendedSpec,
  type DeadLetterKind,
  failure,
  ATTR,
  jobAttributes,
  jobRef,
  type JobRef,
  type JobFailureInfo,
  type JobProgress,
  type JobResult,
  type JobSpec,
  type StepName,
  type WebhookBody,
  type StepPolicies,
} from '../contract';
import { activityOptions } from '../policies';
import { DeadLetterDesk } from '../dead-letters';
import { failureInfo } from './failure-info';
import { isAtCapacity, isHostLost, MAX_HOST_FAILOVERS } from '../policies';
import { ProgressTracker } from './progress';

export interface RunJobInput {
  spec: JobSpec;
  policies: StepPolicies;
  /** How long a job that cannot succeed waits as a dead letter for an operator; 0 or absent: it fails. */
  dead_letter_retention_ms?: number;
  /** How many times operators retried this job from its dead letter (carried across continue-as-new). */
  dead_letter_retries?: number;
}

export const progressQuery = defineQuery<JobProgress>('progress');

const tracer = trace.getTracer('mlx.automation');

/** What one pass through the steps left behind. */
interface Outcome {
  status: 'completed' | 'failed' | 'cancelled';
  output?: unknown;
  error?: unknown;
  failure?: JobFailureInfo;
  workerId: string;
  /** Set when the report to callback_url could not be delivered. */
  webhookError?: unknown;
}

/**
 * One job: lease the profile, drive it on the leasing worker's host, always stop the profile and free
 * the lease, then report to the callback URL. Ends completed, cancelled, or failed (typed) — after
 * waiting as a dead letter for an operator's retry or discard when a retention is configured.
 */
export async function runJob(input: RunJobInput): Promise<JobResult> {
  const { spec } = input;
  const job = jobRef(spec);
  const progress = new ProgressTracker(spec.job_id);
  const desk = new DeadLetterDesk(spec);
  setHandler(progressQuery, () => progress.snapshot(desk.info));
  const attributes = { ...jobAttributes(job), [ATTR.task]: spec.task.name };
  // The job's root span; Temporal's StartActivity/RunActivity spans and each step's span nest below it.
  // It ends before the job is parked, so the trace is complete while the job waits for an operator.
  const outcome = await tracer.startActiveSpan('mlx.job.run', { attributes }, async (span) => {
    const { traceId } = span.spanContext();
    // Shown in the Temporal UI, so an operator goes from a run to its trace. Patched: older runs lack it.
    if (patched('trace-id-memo') && trace.isSpanContextValid(span.spanContext()))
      upsertMemo({ trace_id: traceId });
    try {
      const result = await execute(input, job, progress);
      recordOutcome(span, result);
      return result;
    } finally {
      span.end();
    }
  });
  return settle(input, job, progress, desk, outcome);
}

function recordOutcome(span: Span, outcome: Outcome): void {
  const failed = outcome.failure ?? (outcome.webhookError ? webhookFailure(outcome) : undefined);
  if (outcome.status === 'cancelled' || !failed) return;
  span.setStatus({ code: SpanStatusCode.ERROR, message: failed.message });
  span.setAttribute(ATTR.failureType, failed.type);
  if (failed.step) span.setAttribute(ATTR.failedStep, failed.step);
}

/** The steps, then the report; never throws: whatever happened is in the outcome. */
async function execute(
  { spec, policies, dead_letter_retries }: RunJobInput,
  job: JobRef,
  progress: ProgressTracker,
) {
  let output: unknown;
  let error: unknown;
  let lease: LeaseGrant | undefined;
  const steps = async () => {
    if (patched('host-failover')) {
      output = await leaseAndDrive(spec, job, policies, progress, (granted) => (lease = granted));
      return;
    }
    lease = await progress.run('acquireLease', () => shared(policies, 'acquireLease').acquireLease({ job }));
    progress.workerId = lease.worker_id;
    output = await driveProfile(spec, job, policies, lease, progress);
  };
  try {
    // The deadline cancels the running step; cleanup below still stops the profile and frees the lease.
    if (spec.deadline_ms && patched('job-deadline')) {
      await CancellationScope.withTimeout(spec.deadline_ms, steps);
    } else {
      await steps();
    }
  } catch (err) {
    error = err;
    if (isCancellation(err) && spec.deadline_ms && !CancellationScope.current().consideredCancelled) {
      error = failure(
        'JobDeadlineExceeded',
        `the job did not end within its deadline of ${spec.deadline_ms} ms`,
      );
    }
  }
  if (lease) {
    const { token } = lease;
    await cleanup(() =>
      progress.run('releaseLease', () => shared(policies, 'releaseLease').releaseLease({ job, token })),
    );
  }

  const status = error === undefined ? 'completed' : isCancellation(error) ? 'cancelled' : 'failed';
  const failed = error === undefined ? undefined : { ...failureInfo(error), step: progress.failedStep };
  const outcome: Outcome = { status, output, error, failure: failed, workerId: lease?.worker_id ?? '' };
  outcome.webhookError = await report(spec, policies, job, progress, outcome, dead_letter_retries ?? 0);
  return outcome;
}

/** Posts the outcome to callback_url (if any); returns the delivery's failure, if it failed for good. */
async function report(
  spec: JobSpec,
  policies: StepPolicies,
  job: JobRef,
  progress: ProgressTracker,
  outcome: Outcome,
  retries: number,
): Promise<unknown> {
  if (!spec.callback_url) return undefined;
  const { workflowId, runId } = workflowInfo();
  const body: WebhookBody = {
    job_id: spec.job_id,
    status: outcome.status,
    platform: spec.platform,
    client_id: spec.client_id,
    profile_id: spec.profile_id,
    task: spec.task.name,
    output: outcome.output,
    error: outcome.failure,
    workflow_id: workflowId,
    run_id: runId,
  };
  // One key per outcome of each retry from a dead letter; redeliveries of the same report reuse it.
  const idempotency_key = `${spec.job_id}:${outcome.status}${retries ? `:retry-${retries}` : ''}`;
  const url = spec.callback_url;
  try {
    await CancellationScope.nonCancellable(() =>
      progress.run('postWebhook', () =>
        shared(policies, 'postWebhook').postWebhook({ job, url, body, idempotency_key }),
      ),
    );
    return undefined;
  } catch (webhookError) {
    return webhookError;
  }
}

/** Turns the outcome into the run's result or failure, parking the job as a dead letter if configured. */
async function settle(
  input: RunJobInput,
  job: JobRef,
  progress: ProgressTracker,
  desk: DeadLetterDesk,
  outcome: Outcome,
): Promise<JobResult> {
  const retentionMs = input.dead_letter_retention_ms ?? 0;
  const parks = outcome.status !== 'cancelled' && retentionMs > 0 && patched('dead-letter');
  // The job's own failure outranks the webhook's.
  let kind: DeadLetterKind = outcome.status === 'failed' ? 'job' : 'webhook';
  if (outcome.status === 'completed' && outcome.webhookError === undefined) {
    progress.finish('completed');
    return jobResult(input.spec, progress, outcome);
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
      await continueAsNew<typeof runJob>({
        ...input,
        spec: amendedSpec(input.spec, decision.request),
        dead_letter_retries: retries + 1,
      });
    }
    if (decision.action === 'retry') {
      progress.finish('running');
      outcome.webhookError = await report(input.spec, input.policies, job, progress, outcome, retries);
      if (outcome.webhookError === undefined) {
        desk.clearFailure();
        progress.finish('completed');
        return jobResult(input.spec, progress, outcome);
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

function webhookFailure(outcome: Outcome): JobFailureInfo {
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

function jobResult(spec: JobSpec, progress: ProgressTracker, outcome: Outcome): JobResult {
  return {
    job_id: spec.job_id,
    status: 'completed',
    task: spec.task.name,
    worker_id: outcome.workerId,
    output: outcome.output,
    steps: progress.snapshot().steps,
  };
}

const shared = (policies: StepPolicies, step: StepName) =>
  proxyActivities<SharedActivities>(activityOptions(policies[step]));

/**
 * Lease, then drive the profile on the leasing worker; when that host is lost (see isHostLost), lease
 * again from the shared queue, so another worker becomes host, and run the attempt there, at most
 * MAX_HOST_FAILOVERS times. A worker at capacity is not a failure: its acquireLease is asked again.
 */
async function leaseAndDrive(
  spec: JobSpec,
  job: JobRef,
  policies: StepPolicies,
  progress: ProgressTracker,
  onLease: (lease: LeaseGrant) => void,
): Promise<unknown> {
  const { acquireLease } = shared(policies, 'acquireLease');
  const waitUntil = Date.now() + (policies.acquireLease.schedule_to_close_ms ?? Infinity);
  // Stops sent to lost hosts: waited for at the end, not before the job moves on.
  const lostHostStops: Promise<void>[] = [];
  try {
    for (let failovers = 0; ; failovers++) {
      let lease: LeaseGrant | undefined;
      while (!lease) {
        try {
          lease = await progress.run('acquireLease', () => acquireLease({ job }));
        } catch (err) {
          if (!isAtCapacity(err) || Date.now() >= waitUntil) throw err;
        }
      }
      onLease(lease);
      progress.workerId = lease.worker_id;
      try {
        return await driveProfile(spec, job, policies, lease, progress, lostHostStops);
      } catch (err) {
        if (failovers >= MAX_HOST_FAILOVERS || !isHostLost(err)) throw err;
        log.warn('host lost; running the attempt again on another worker', {
          lost_worker_id: lease.worker_id,
          failover: failovers + 1,
          error: failureInfo(err),
        });
        progress.failedStep = undefined;
      }
    }
  } finally {
    await Promise.all(lostHostStops);
  }
}

/**
 * The browser lives on the leasing worker's machine: every step here goes to its own task queue. With
 * `lostHostStops`, the stop sent to a host found lost is not waited for but left in that list.
 */
async function driveProfile(
  spec: JobSpec,
  job: JobRef,
  policies: StepPolicies,
  lease: LeaseGrant,
  progress: ProgressTracker,
  lostHostStops?: Promise<void>[],
): Promise<unknown> {
  const host = (step: StepName, cancellationType?: ActivityCancellationType) =>
    proxyActivities<HostActivities>({
      ...activityOptions(policies[step], lease.task_queue),
      cancellationType,
    });
  let hostLost = false;
  try {
    const { port } = await progress.run('startProfile', () =>
      host('startProfile').startProfile({
        job,
        folder_id: spec.folder_id,
        headless: spec.headless,
        lease_token: lease.token,
      }),
    );
    await progress.run('cdpConnect', () => host('cdpConnect').cdpConnect({ job, port }));
    // Wait for the task to wind down after a cancel, so the profile is stopped after its last action.
    return await progress.run('executeTask', () =>
      host('executeTask', ActivityCancellationType.WAIT_CANCELLATION_COMPLETED).executeTask({
        spec,
        port,
        lease_token: lease.token,
      }),
    );
  } catch (err) {
    hostLost = lostHostStops !== undefined && isHostLost(err);
    throw err;
  } finally {
    const stop = cleanup(() => progress.run('stopProfile', () => host('stopProfile').stopProfile({ job })));
    if (hostLost) lostHostStops?.push(stop);
    else await stop;
  }
}

/** Cleanup runs even when the job is cancelled, and its failure never hides the job's own outcome. */
async function cleanup(fn: () => Promise<unknown>): Promise<void> {
  try {
    await CancellationScope.nonCancellable(fn);
  } catch (err) {
    log.warn('cleanup step failed', { error: failureInfo(err) });
  }
}
