import {
  ActivityCancellationType,
  ActivityFailure,
  CancellationScope,
  isCancellation,
  log,
  proxyActivities,
  proxyLocalActivities,
  sleep,
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
import {
  CAPACITY_BACKOFF_MAX_MS,
  CAPACITY_RETRY_DELAY_MS,
  isAtCapacity,
  isBrowserCrashed,
  isHostLost,
  MAX_HOST_FAILOVERS,
} from '../policies/fleet';
import { checkedInput, type JobContext } from './job-context';
import { ProfileTurn } from './profile-turn';
import { report } from './report';
import { leaseWarmOrCold } from './warm-lease';

/**
 * The steps, then the report: take the profile's turn, lease the profile, drive it on the leasing
 * worker's host, always stop the profile and give it back (lease and turn), and post the outcome to
 * callback_url (while the profile stops, when the task completed). Never throws: whatever happened is
 * in the outcome.
 */
export async function driveSteps(ctx: JobContext): Promise<Outcome> {
  const { spec } = ctx;
  let output: unknown;
  let error: unknown;
  const held: HeldProfile = { stopFailed: false };
  // Created before anything can be cancelled: the client queued the job as it submitted it, so the
  // turn is given back below whatever happens from here on.
  const turn = new ProfileTurn(spec.profile_id);
  const steps = async () => {
    await turn.take(spec.job_id, (position) => ctx.waiting.forTurn(position));
    ctx.waiting.done();
    output = await leaseAndDrive(ctx, held);
  };
  try {
    // The deadline cancels the running step; cleanup below still stops the profile and frees the lease.
    if (spec.deadline_ms) await CancellationScope.withTimeout(spec.deadline_ms, steps);
    else await steps();
  } catch (err) {
    error = err;
    if (isCancellation(err) && spec.deadline_ms && !CancellationScope.current().consideredCancelled) {
      error = failure(
        'JobDeadlineExceeded',
        `the job did not end within its deadline of ${spec.deadline_ms} ms`,
      );
    }
  }
  ctx.waiting.done();
  const outcomeNow = (): Outcome => {
    const status = error === undefined ? 'completed' : isCancellation(error) ? 'cancelled' : 'failed';
    const failed =
      error === undefined ? undefined : { ...failureInfo(error), step: failedStep(error, ctx.progress) };
    return { status, output, error, failure: failed, workerId: held.lease?.worker_id ?? '' };
  };
  // The profile is free once it is stopped and given back; the next job for it starts then.
  const freeProfile = async () => {
    if (held.stopping) held.stopFailed = !(await held.stopping);
    await giveBack(ctx, held, turn);
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

/**
 * Gives the profile back in one local activity: the lease the job holds (unless its stop failed for
 * good: then the host's reaper keeps the lease until the browser is stopped) and the job's turn, which
 * it holds, waits for or was queued for at submit.
 */
async function giveBack(ctx: JobContext, held: HeldProfile, turn: ProfileTurn): Promise<void> {
  const { job, progress } = ctx;
  turn.giveBack();
  const token = held.lease && !held.stopFailed ? held.lease.token : undefined;
  const { releaseLease } = proxyLocalActivities<SharedActivities>({
    ...localActivityOptions(ctx.policies.releaseLease),
    summary: ctx.metadata.activitySummary('releaseLease'),
  });
  const release = () => releaseLease({ job, token });
  await cleanup(() => (token === undefined ? release() : progress.run('releaseLease', release)));
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

/**
 * acquireLease, on the acquire queue (polled only by workers with room). A cancel waits for an attempt
 * under way to end, so a lease it won is seen, and given back, instead of being left to the host.
 */
const acquirer = (ctx: JobContext) =>
  proxyActivities<SharedActivities>({
    ...activityOptions(ctx.policies.acquireLease, acquireTaskQueue(workflowInfo().taskQueue)),
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    summary: ctx.metadata.activitySummary('acquireLease'),
  });

/**
 * Lease, then drive the profile on the leasing worker; when that host is lost (see isHostLost), lease
 * again from the shared queue, so another worker becomes host, and run the attempt there; when the
 * profile's browser crashed under the task (its stop already done on that host), the same: a fresh
 * start. At most MAX_HOST_FAILOVERS times in all.
 */
async function leaseAndDrive(ctx: JobContext, held: HeldProfile): Promise<unknown> {
  // Stops sent to lost hosts: waited for at the end, not before the job moves on.
  const lostHostStops: Promise<boolean>[] = [];
  try {
    for (let failovers = 0; ; failovers++) {
      // A fresh start after a lost host or a crashed browser never goes back to a lingering one.
      const lease =
        failovers === 0 ? await leaseWarmOrCold(ctx, () => leaseProfile(ctx)) : await leaseProfile(ctx);
      held.lease = lease;
      ctx.progress.workerId = lease.worker_id;
      ctx.metadata.linkTrace(lease.trace_url);
      try {
        return await driveProfile(ctx, lease, held, lostHostStops);
      } catch (err) {
        const crashed = isBrowserCrashed(err);
        if (failovers >= MAX_HOST_FAILOVERS || !(crashed || isHostLost(err))) throw err;
        log.warn(
          crashed
            ? "the profile's browser crashed; starting the profile again"
            : 'host lost; running the attempt again on another worker',
          { lost_worker_id: lease.worker_id, failover: failovers + 1, error: failureInfo(err) },
        );
        ctx.progress.failedStep = undefined;
      }
    }
  } finally {
    await Promise.all(lostHostStops);
  }
}

/**
 * Leases the profile on a worker with room. A worker at capacity is not a failure: when a policy bounds
 * acquireLease's attempts and they all met full workers, the lease is asked for again after a pause
 * that grows (up to CAPACITY_BACKOFF_MAX_MS), until acquireLease's schedule-to-close, if any.
 */
async function leaseProfile(ctx: JobContext): Promise<LeaseGrant> {
  const { job, policies, progress } = ctx;
  const { acquireLease } = acquirer(ctx);
  const input = checkedInput(ctx.input);
  const waitUntil = Date.now() + (policies.acquireLease.schedule_to_close_ms ?? Infinity);
  for (let pause = CAPACITY_RETRY_DELAY_MS; ; pause = Math.min(pause * 2, CAPACITY_BACKOFF_MAX_MS)) {
    try {
      return await progress.run('acquireLease', () => acquireLease({ job, input }));
    } catch (err) {
      if (!isAtCapacity(err) || Date.now() + pause >= waitUntil) throw err;
    }
    await sleep(pause);
  }
}

/**
 * The browser lives on the leasing worker's machine: every step here goes to its own task queue. The
 * stop sent to a host found lost is not waited for but left in `lostHostStops`.
 */
async function driveProfile(
  ctx: JobContext,
  lease: LeaseGrant,
  held: HeldProfile,
  lostHostStops: Promise<boolean>[],
): Promise<unknown> {
  const { spec, job, policies, progress } = ctx;
  const lease_token = lease.token;
  const host = (step: StepName, cancellationType?: ActivityCancellationType) =>
    proxyActivities<HostActivities>({
      ...activityOptions(policies[step], lease.task_queue),
      cancellationType,
      summary: ctx.metadata.activitySummary(step, lease.worker_id),
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
        task: spec.task,
      }),
    );
    await progress.run('cdpConnect', () => host('cdpConnect').cdpConnect({ job, port, lease_token }));
    // Wait for the task to wind down after a cancel, so the profile is stopped after its last action.
    const output = await progress
      .run('executeTask', () =>
        host('executeTask', ActivityCancellationType.WAIT_CANCELLATION_COMPLETED).executeTask({
          spec,
          job,
          port,
          lease_token,
        }),
      )
      .finally(() => ctx.questions.stepEnded());
    completed = true;
    return output;
  } catch (err) {
    hostLost = isHostLost(err);
    throw err;
  } finally {
    const stop = cleanup(() =>
      progress.run('stopProfile', () => host('stopProfile').stopProfile({ job, lease_token })),
    );
    if (hostLost) lostHostStops.push(stop);
    // A completed task's stop is waited for by whoever frees the profile, alongside the report.
    else if (completed) held.stopping = stop;
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
