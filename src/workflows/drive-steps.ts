import {
  ActivityCancellationType,
  ActivityFailure,
  CancellationScope,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  workflowInfo,
} from '@temporalio/workflow';
import type { HostActivities, LeaseGrant, SharedActivities } from '../activities';
import type { StepName } from '../contract';
import { failureInfo } from '../contract/failure-info';
import { failure } from '../contract/failures';
import { isStepName } from '../contract/steps';
import { acquireTaskQueue } from '../contract/task-queues';
import type { Outcome } from '../dead-letters';
import { activityOptions, localActivityOptions } from '../policies/activity-options';
import { isAtCapacity, isBrowserCrashed, isHostLost, MAX_HOST_FAILOVERS } from '../policies/fleet';
import type { JobContext } from './job-context';
import { takeProfileTurn, type ProfileTurn } from './profile-turn';
import { report } from './report';
import { waitingFor, type WaitingFor } from './waiting-for';

/**
 * The steps, then the report: lease the profile, drive it on the leasing worker's host, always stop the
 * profile and free the lease, and post the outcome to callback_url (while the profile stops, when the
 * task completed). Never throws: whatever happened is in the outcome.
 */
export async function driveSteps(ctx: JobContext): Promise<Outcome> {
  const { spec, job, progress } = ctx;
  let output: unknown;
  let error: unknown;
  const held: HeldProfile = { stopFailed: false };
  // Since `fair-waiting`: the job waits for its profile's turn in the profile's queue (FIFO), then for a
  // free slot in the acquire queue; neither wait costs an attempt.
  const fair = patched('fair-waiting');
  // While it waits, the run says for what in its search attributes (fair waiting only).
  const waiting = fair ? waitingFor() : undefined;
  let turn: ProfileTurn | undefined;
  const steps = async () => {
    if (waiting) {
      waiting('profile');
      turn = await takeProfileTurn(ctx);
    }
    if (patched('host-failover')) {
      output = await leaseAndDrive(ctx, held, waiting);
      return;
    }
    held.lease = await progress.run('acquireLease', () => acquirer(ctx, fair).acquireLease({ job }));
    progress.workerId = held.lease.worker_id;
    output = await driveProfile(ctx, held.lease, held);
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
  waiting?.(undefined);
  const outcomeNow = (): Outcome => {
    const status = error === undefined ? 'completed' : isCancellation(error) ? 'cancelled' : 'failed';
    const failed =
      error === undefined ? undefined : { ...failureInfo(error), step: failedStep(error, progress) };
    return { status, output, error, failure: failed, workerId: held.lease?.worker_id ?? '' };
  };
  // The profile is free once it is stopped and its lease released; the next job for it starts then.
  const freeProfile = async () => {
    if (held.stopping) held.stopFailed = !(await held.stopping);
    await releaseHeldLease(ctx, held, fair);
    await turn?.release();
  };
  if (held.stopping) {
    // The task completed and nothing after it can change that: the report goes out while the profile
    // stops, so the client hears of the result a stop and a release sooner.
    const outcome = outcomeNow();
    [outcome.webhookError] = await Promise.all([report(ctx, outcome), freeProfile()]);
    return outcome;
  }
  await freeProfile();
  const outcome = outcomeNow();
  outcome.webhookError = await report(ctx, outcome);
  return outcome;
}

/** Frees the lease the job holds, unless the profile's stop failed for good (then the reaper keeps it). */
async function releaseHeldLease(ctx: JobContext, held: HeldProfile, fair: boolean): Promise<void> {
  const { lease } = held;
  // A profile whose stop failed keeps its lease: the host's reaper holds it until the browser is stopped.
  const keepLease = held.stopFailed && patched('failed-stop-keeps-lease');
  if (!lease || keepLease) return;
  const { job, progress } = ctx;
  const { token } = lease;
  // Since `fair-waiting` a local activity: no activity task to dispatch, and what follows (the turn's
  // release, a failed job's report) goes on in the same workflow task.
  const { releaseLease } = fair ? localShared(ctx, 'releaseLease') : shared(ctx, 'releaseLease');
  await cleanup(() => progress.run('releaseLease', () => releaseLease({ job, token })));
}

/**
 * The lease a pass holds, and whether the last stop of its profile failed for good; or, after a completed
 * task, the stop still under way (resolves whether it succeeded).
 */
interface HeldProfile {
  lease?: LeaseGrant;
  stopFailed: boolean;
  stopping?: Promise<boolean>;
}

/**
 * The step whose failure ended the job: the activity the final error came from, else (a deadline, a
 * cancel) the step that was running. Not the first failure seen: a lost host's stop failing later or a
 * handled capacity wait must not be blamed for a task that failed afterwards.
 */
function failedStep(error: unknown, progress: JobContext['progress']): StepName | undefined {
  if (error instanceof ActivityFailure && isStepName(error.activityType)) return error.activityType;
  return progress.failedStep;
}

const shared = (ctx: JobContext, step: StepName) =>
  proxyActivities<SharedActivities>({
    ...activityOptions(ctx.policies[step]),
    summary: ctx.metadata?.activitySummary(step),
  });

const localShared = (ctx: JobContext, step: StepName) =>
  proxyLocalActivities<SharedActivities>({
    ...localActivityOptions(ctx.policies[step]),
    summary: ctx.metadata?.activitySummary(step),
  });

/** acquireLease: on the acquire queue (polled only by workers with room) since `fair-waiting`. */
const acquirer = (ctx: JobContext, fair: boolean) =>
  proxyActivities<SharedActivities>({
    ...activityOptions(
      ctx.policies.acquireLease,
      fair ? acquireTaskQueue(workflowInfo().taskQueue) : undefined,
    ),
    summary: ctx.metadata?.activitySummary('acquireLease'),
  });

/**
 * Lease, then drive the profile on the leasing worker; when that host is lost (see isHostLost), lease
 * again from the shared queue, so another worker becomes host, and run the attempt there; when the
 * profile's browser crashed under the task (its stop already done on that host), the same: a fresh
 * start. At most MAX_HOST_FAILOVERS times in all. A worker at capacity is not a failure: its acquireLease is asked again.
 */
async function leaseAndDrive(ctx: JobContext, held: HeldProfile, waiting?: WaitingFor): Promise<unknown> {
  const { job, policies, progress } = ctx;
  const { acquireLease } = acquirer(ctx, waiting !== undefined);
  const waitUntil = Date.now() + (policies.acquireLease.schedule_to_close_ms ?? Infinity);
  // Stops sent to lost hosts: waited for at the end, not before the job moves on.
  const lostHostStops: Promise<boolean>[] = [];
  try {
    for (let failovers = 0; ; failovers++) {
      let lease: LeaseGrant | undefined;
      waiting?.('slot');
      while (!lease) {
        try {
          lease = await progress.run('acquireLease', () => acquireLease({ job }));
        } catch (err) {
          if (!isAtCapacity(err) || Date.now() >= waitUntil) throw err;
        }
      }
      waiting?.(undefined);
      held.lease = lease;
      progress.workerId = lease.worker_id;
      try {
        return await driveProfile(ctx, lease, held, lostHostStops);
      } catch (err) {
        // Patched: before it, a crashed browser failed the job.
        const crashed = isBrowserCrashed(err) && patched('browser-crash-restart');
        if (failovers >= MAX_HOST_FAILOVERS || !(crashed || isHostLost(err))) throw err;
        log.warn(
          crashed
            ? "the profile's browser crashed; starting the profile again"
            : 'host lost; running the attempt again on another worker',
          { lost_worker_id: lease.worker_id, failover: failovers + 1, error: failureInfo(err) },
        );
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
  held: HeldProfile,
  lostHostStops?: Promise<boolean>[],
): Promise<unknown> {
  const { spec, job, policies, progress } = ctx;
  const lease_token = lease.token;
  const host = (step: StepName, cancellationType?: ActivityCancellationType) =>
    proxyActivities<HostActivities>({
      ...activityOptions(policies[step], lease.task_queue),
      cancellationType,
      summary: ctx.metadata?.activitySummary(step, lease.worker_id),
    });
  let hostLost = false;
  let completed = false;
  try {
    const { port } = await progress.run('startProfile', () =>
      host('startProfile').startProfile({
        job,
        folder_id: spec.folder_id,
        headless: spec.headless,
        lease_token,
        // The host checks the task's credentials (origins, clients) before it starts the browser.
        ...(patched('access-check') && { task: spec.task }),
      }),
    );
    await progress.run('cdpConnect', () => host('cdpConnect').cdpConnect({ job, port, lease_token }));
    // Wait for the task to wind down after a cancel, so the profile is stopped after its last action.
    const output = await progress.run('executeTask', () =>
      host('executeTask', ActivityCancellationType.WAIT_CANCELLATION_COMPLETED).executeTask({
        spec,
        job,
        port,
        lease_token,
      }),
    );
    completed = true;
    return output;
  } catch (err) {
    hostLost = lostHostStops !== undefined && isHostLost(err);
    throw err;
  } finally {
    const stop = cleanup(() =>
      progress.run('stopProfile', () => host('stopProfile').stopProfile({ job, lease_token })),
    );
    if (hostLost) lostHostStops?.push(stop);
    // Since `report-while-stopping` a completed task's stop is waited for by whoever frees the profile,
    // alongside the report; before it, the job waited here.
    else if (completed && patched('report-while-stopping')) held.stopping = stop;
    else held.stopFailed = !(await stop);
  }
}

/**
 * Cleanup runs even when the job is cancelled, and its failure never hides the job's own outcome;
 * resolves whether it succeeded.
 */
async function cleanup(fn: () => Promise<unknown>): Promise<boolean> {
  try {
    await CancellationScope.nonCancellable(fn);
    return true;
  } catch (err) {
    log.warn('cleanup step failed', { error: failureInfo(err) });
    return false;
  }
}
