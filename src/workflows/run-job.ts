import { SpanStatusCode, trace } from '@opentelemetry/api';
import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  defineQuery,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setHandler,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import type { HostActivities, SharedActivities } from '../activities';
import type { LeaseGrant } from '../activities/lease';
import type { JobProgress, JobResult, JobSpec, StepName, WebhookBody } from '../job';
import type { StepPolicies } from '../policies';
import { ATTR, jobAttributes, jobRef, type JobRef } from '../telemetry/attributes';
import { activityOptions } from './activity-options';
import { failureInfo } from './failure-info';
import { isAtCapacity, isHostLost, MAX_HOST_FAILOVERS } from './host-failover';
import { ProgressTracker } from './progress';

export interface RunJobInput {
  spec: JobSpec;
  policies: StepPolicies;
}

export const progressQuery = defineQuery<JobProgress>('progress');

const tracer = trace.getTracer('mlx.automation');

/**
 * One job: lease the profile, drive it on the leasing worker's host, always stop the profile and free
 * the lease, then report to the callback URL. Ends completed, failed (typed) or cancelled.
 */
export async function runJob(input: RunJobInput): Promise<JobResult> {
  const job = jobRef(input.spec);
  const attributes = { ...jobAttributes(job), [ATTR.task]: input.spec.task.name };
  // The job's root span; Temporal's StartActivity/RunActivity spans and each step's span nest below it.
  return tracer.startActiveSpan('mlx.job.run', { attributes }, async (span) => {
    const { traceId } = span.spanContext();
    // Shown in the Temporal UI, so an operator goes from a run to its trace. Patched: older runs lack it.
    if (patched('trace-id-memo') && trace.isSpanContextValid(span.spanContext()))
      upsertMemo({ trace_id: traceId });
    try {
      return await runSteps(input, job);
    } catch (err) {
      if (!isCancellation(err)) {
        const info = failureInfo(err);
        span.setStatus({ code: SpanStatusCode.ERROR, message: info.message });
        span.setAttribute(ATTR.failureType, info.type);
        const step = (err as { details?: { step?: string }[] }).details?.[0]?.step;
        if (step) span.setAttribute(ATTR.failedStep, step);
      }
      throw err;
    } finally {
      span.end();
    }
  });
}

async function runSteps({ spec, policies }: RunJobInput, job: JobRef): Promise<JobResult> {
  const progress = new ProgressTracker(spec.job_id);
  setHandler(progressQuery, () => progress.snapshot());
  const shared = (step: StepName) => proxyActivities<SharedActivities>(activityOptions(policies[step]));

  let output: unknown;
  let error: unknown;
  let lease: LeaseGrant | undefined;
  try {
    if (patched('host-failover')) {
      output = await leaseAndDrive(spec, job, policies, progress, (granted) => (lease = granted));
    } else {
      lease = await progress.run('acquireLease', () => shared('acquireLease').acquireLease({ job }));
      progress.workerId = lease.worker_id;
      output = await driveProfile(spec, job, policies, lease, progress);
    }
  } catch (err) {
    error = err;
  }
  if (lease) {
    const { token } = lease;
    await cleanup(() =>
      progress.run('releaseLease', () => shared('releaseLease').releaseLease({ job, token })),
    );
  }

  const status = error === undefined ? 'completed' : isCancellation(error) ? 'cancelled' : 'failed';
  const failure = error === undefined ? undefined : { ...failureInfo(error), step: progress.failedStep };
  if (spec.callback_url) {
    const { workflowId, runId } = workflowInfo();
    const body: WebhookBody = {
      job_id: spec.job_id,
      status,
      platform: spec.platform,
      client_id: spec.client_id,
      profile_id: spec.profile_id,
      task: spec.task.name,
      output,
      error: failure,
      workflow_id: workflowId,
      run_id: runId,
    };
    const url = spec.callback_url;
    try {
      await CancellationScope.nonCancellable(() =>
        progress.run('postWebhook', () => shared('postWebhook').postWebhook({ job, url, body })),
      );
    } catch (webhookError) {
      // The job's own failure outranks the webhook's; a completed job keeps its output in the details.
      if (error === undefined) {
        const info = failureInfo(webhookError);
        progress.finish('failed');
        throw ApplicationFailure.create({
          type: info.type,
          message: `the job completed but its webhook could not be delivered: ${info.message}`,
          nonRetryable: true,
          details: [{ step: 'postWebhook', output }],
          cause: webhookError as Error,
        });
      }
    }
  }

  progress.finish(status);
  if (error !== undefined) {
    if (status === 'cancelled') throw error as Error; // keeps the run Cancelled, not Failed
    throw ApplicationFailure.create({
      type: failure?.type,
      message: `${failure?.step ?? 'job'} failed: ${failure?.message ?? 'unknown error'}`,
      nonRetryable: true,
      details: [failure],
      cause: error as Error,
    });
  }
  return {
    job_id: spec.job_id,
    status: 'completed',
    task: spec.task.name,
    worker_id: lease?.worker_id ?? '',
    output,
    steps: progress.snapshot().steps,
  };
}

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
  const acquire = proxyActivities<SharedActivities>(activityOptions(policies.acquireLease)).acquireLease;
  const waitUntil = Date.now() + (policies.acquireLease.schedule_to_close_ms ?? Infinity);
  // Stops sent to lost hosts: waited for at the end, not before the job moves on.
  const lostHostStops: Promise<void>[] = [];
  try {
    for (let failovers = 0; ; failovers++) {
      let lease: LeaseGrant | undefined;
      while (!lease) {
        try {
          lease = await progress.run('acquireLease', () => acquire({ job }));
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
      host('startProfile').startProfile({ job, folder_id: spec.folder_id, headless: spec.headless }),
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
