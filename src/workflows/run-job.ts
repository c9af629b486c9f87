import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  defineQuery,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { HostActivities, SharedActivities } from '../activities';
import type { LeaseGrant } from '../activities/lease';
import type { JobProgress, JobResult, JobSpec, StepName, WebhookBody } from '../job';
import type { StepPolicies } from '../policies';
import { activityOptions } from './activity-options';
import { failureInfo } from './failure-info';
import { ProgressTracker } from './progress';

export interface RunJobInput {
  spec: JobSpec;
  policies: StepPolicies;
}

export const progressQuery = defineQuery<JobProgress>('progress');

/**
 * One job: lease the profile, drive it on the leasing worker's host, always stop the profile and free
 * the lease, then report to the callback URL. Ends completed, failed (typed) or cancelled.
 */
export async function runJob({ spec, policies }: RunJobInput): Promise<JobResult> {
  const progress = new ProgressTracker(spec.job_id);
  setHandler(progressQuery, () => progress.snapshot());
  const shared = (step: StepName) => proxyActivities<SharedActivities>(activityOptions(policies[step]));

  let output: unknown;
  let error: unknown;
  let lease: LeaseGrant | undefined;
  try {
    lease = await progress.run('acquireLease', () =>
      shared('acquireLease').acquireLease({ job_id: spec.job_id, profile_id: spec.profile_id }),
    );
    progress.workerId = lease.worker_id;
    output = await driveProfile(spec, policies, lease, progress);
  } catch (err) {
    error = err;
  }
  if (lease) {
    const { token } = lease;
    await cleanup(() =>
      progress.run('releaseLease', () =>
        shared('releaseLease').releaseLease({ profile_id: spec.profile_id, token }),
      ),
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
        progress.run('postWebhook', () => shared('postWebhook').postWebhook({ url, body })),
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

/** The browser lives on the leasing worker's machine: every step here goes to its own task queue. */
async function driveProfile(
  spec: JobSpec,
  policies: StepPolicies,
  lease: LeaseGrant,
  progress: ProgressTracker,
): Promise<unknown> {
  const host = (step: StepName, cancellationType?: ActivityCancellationType) =>
    proxyActivities<HostActivities>({
      ...activityOptions(policies[step], lease.task_queue),
      cancellationType,
    });
  try {
    const { port } = await progress.run('startProfile', () =>
      host('startProfile').startProfile({
        job_id: spec.job_id,
        profile_id: spec.profile_id,
        folder_id: spec.folder_id,
        headless: spec.headless,
      }),
    );
    await progress.run('cdpConnect', () => host('cdpConnect').cdpConnect({ port }));
    // Wait for the task to wind down after a cancel, so the profile is stopped after its last action.
    return await progress.run('executeTask', () =>
      host('executeTask', ActivityCancellationType.WAIT_CANCELLATION_COMPLETED).executeTask({
        spec,
        port,
        lease_token: lease.token,
      }),
    );
  } finally {
    await cleanup(() =>
      progress.run('stopProfile', () => host('stopProfile').stopProfile({ profile_id: spec.profile_id })),
    );
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
