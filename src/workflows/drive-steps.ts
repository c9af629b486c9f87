import {
  ActivityCancellationType,
  CancellationScope,
  isCancellation,
  log,
  patched,
  proxyActivities,
} from '@temporalio/workflow';
import type { HostActivities, LeaseGrant, SharedActivities } from '../activities';
import { failure, failureInfo, type StepName } from '../contract';
import type { Outcome } from '../dead-letters';
import { activityOptions, isAtCapacity, isHostLost, MAX_HOST_FAILOVERS } from '../policies';
import type { JobContext } from './job-context';
import { report } from './report';

/**
 * The steps, then the report: lease the profile, drive it on the leasing worker's host, always stop the
 * profile and free the lease, then post the outcome to callback_url. Never throws: whatever happened is
 * in the outcome.
 */
export async function driveSteps(ctx: JobContext): Promise<Outcome> {
  const { spec, job, progress } = ctx;
  let output: unknown;
  let error: unknown;
  let lease: LeaseGrant | undefined;
  const steps = async () => {
    if (patched('host-failover')) {
      output = await leaseAndDrive(ctx, (granted) => (lease = granted));
      return;
    }
    lease = await progress.run('acquireLease', () => shared(ctx, 'acquireLease').acquireLease({ job }));
    progress.workerId = lease.worker_id;
    output = await driveProfile(ctx, lease);
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
      progress.run('releaseLease', () => shared(ctx, 'releaseLease').releaseLease({ job, token })),
    );
  }

  const status = error === undefined ? 'completed' : isCancellation(error) ? 'cancelled' : 'failed';
  const failed = error === undefined ? undefined : { ...failureInfo(error), step: progress.failedStep };
  const outcome: Outcome = { status, output, error, failure: failed, workerId: lease?.worker_id ?? '' };
  outcome.webhookError = await report(ctx, outcome);
  return outcome;
}

const shared = (ctx: JobContext, step: StepName) =>
  proxyActivities<SharedActivities>({
    ...activityOptions(ctx.policies[step]),
    summary: ctx.metadata?.activitySummary(step),
  });

/**
 * Lease, then drive the profile on the leasing worker; when that host is lost (see isHostLost), lease
 * again from the shared queue, so another worker becomes host, and run the attempt there, at most
 * MAX_HOST_FAILOVERS times. A worker at capacity is not a failure: its acquireLease is asked again.
 */
async function leaseAndDrive(ctx: JobContext, onLease: (lease: LeaseGrant) => void): Promise<unknown> {
  const { job, policies, progress } = ctx;
  const { acquireLease } = shared(ctx, 'acquireLease');
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
        return await driveProfile(ctx, lease, lostHostStops);
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
  ctx: JobContext,
  lease: LeaseGrant,
  lostHostStops?: Promise<void>[],
): Promise<unknown> {
  const { spec, job, policies, progress } = ctx;
  const host = (step: StepName, cancellationType?: ActivityCancellationType) =>
    proxyActivities<HostActivities>({
      ...activityOptions(policies[step], lease.task_queue),
      cancellationType,
      summary: ctx.metadata?.activitySummary(step, lease.worker_id),
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
