import {
  ActivityCancellationType,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  workflowInfo,
} from '@temporalio/workflow';
import type { LeaseGrant, SharedActivities } from '../activities';
import { failureInfo } from '../contract/failure-info';
import { activityOptions } from '../policies/activity-options';
import { checkedInput, type JobContext } from './job-context';

/**
 * How long the lease on the lingering host may wait to be picked up before the job leases as usual: a
 * host that does not answer is gone, and its lingering lease lapses within a lease TTL.
 */
const WARM_LEASE_WAIT_MS = 10_000;

/**
 * The job's first lease: when its profile's browser lingers on a host after the last job, leased on that
 * host's own queue, where the host hands the browser over (or stops it, for a job that may not have it);
 * otherwise, or when that host does not take it, `leaseCold` (the acquire queue, any worker with room).
 */
export async function leaseWarmOrCold(
  ctx: JobContext,
  leaseCold: () => Promise<LeaseGrant>,
): Promise<LeaseGrant> {
  // Runs that passed their first lease on 1.0 code lease as they did (docs/versioning.md).
  if (!patched('1.1-warm-handover')) return leaseCold();
  const { findWarmHost } = proxyLocalActivities<SharedActivities>({
    startToCloseTimeout: '10 seconds',
    retry: { maximumAttempts: 3, maximumInterval: '1 second' },
  });
  const warm = await findWarmHost({ profile_id: ctx.spec.profile_id, task_queue: workflowInfo().taskQueue });
  if (!warm.task_queue) return leaseCold();
  const options = activityOptions(ctx.policies.acquireLease, warm.task_queue);
  const { acquireLease } = proxyActivities<SharedActivities>({
    ...options,
    scheduleToStartTimeout: WARM_LEASE_WAIT_MS,
    // One attempt: whatever fails there, the usual lease is the fallback.
    retry: { ...options.retry, maximumAttempts: 1 },
    // As the usual lease: a lease won while the job is cancelled is seen, and given back.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    summary: ctx.metadata.activitySummary('acquireLease', warm.worker_id),
  });
  try {
    return await ctx.progress.run('acquireLease', () =>
      acquireLease({ job: ctx.job, input: checkedInput(ctx.input) }),
    );
  } catch (err) {
    if (isCancellation(err)) throw err;
    ctx.progress.failedStep = undefined;
    log.info('the lingering host did not lease the profile; leasing as usual', {
      worker_id: warm.worker_id,
      error: failureInfo(err),
    });
  }
  return leaseCold();
}
