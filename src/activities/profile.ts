import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import { errorTypeOf, type JobRef } from '../contract';
import { applyStartRetryRules, DEFAULT_START_RETRY_RULES } from '../policies';
import { stepSpan } from '../telemetry';
import { checkJobAccess } from './access';
import type { ActivityDeps } from './deps';
import { confirmLease, keepLease } from './lease-keeper';
import { currentRun } from './run-of';
import { lingerInsteadOfStop, reuseHandedOver } from './warm-profile';

export interface StartProfileInput {
  job: JobRef;
  folder_id: string;
  headless?: boolean;
  /** The job's lease, confirmed first and renewed while the launcher starts the browser. */
  lease_token: number;
  /** The job's task, whose credentials are checked before the browser starts. */
  task: { name: string; input: Record<string, unknown> };
}

export interface StopProfileInput {
  job: JobRef;
  /** The job's lease; a stop is refused when another job holds the profile. */
  lease_token: number;
}

export function profileActivities(deps: ActivityDeps) {
  /** Starts the browser, keeping the lease alive meanwhile (a core download can take minutes). */
  async function launch(input: StartProfileInput) {
    const { job } = input;
    const activity = Context.current();
    const log = deps.log.child({ job_id: job.job_id, profile_id: job.profile_id });
    const keeper = keepLease(
      deps,
      { profile_id: job.profile_id, token: input.lease_token },
      { log, onLost: () => log.warn('lease lost while the profile was starting') },
    );
    const request = {
      folderId: input.folder_id,
      profileId: job.profile_id,
      headless: input.headless ?? deps.headless,
    };
    try {
      try {
        return await deps.launcher.startProfile(request);
      } catch (err) {
        // We hold the lease, so a running browser is ours: left by an attempt whose reply was lost.
        if (errorTypeOf(err) !== 'MlxProfileAlreadyRunning') throw err;
        log.warn('profile already running under our lease; restarting it');
        await deps.launcher.stopProfile(job.profile_id);
        return await deps.launcher.startProfile(request);
      }
    } catch (err) {
      const rules = deps.startRetry ?? DEFAULT_START_RETRY_RULES;
      throw applyStartRetryRules(err, activity.info.attempt, rules);
    } finally {
      keeper.stop();
    }
  }

  return {
    startProfile(input: StartProfileInput): Promise<{ port: number; browser_type?: string }> {
      const { job, lease_token } = input;
      const run = currentRun();
      return stepSpan('mlx.profile.start', job, deps.workerId, (span) =>
        // One operation per profile at a time on this host: a stop waits for this start to finish.
        deps.profiles.exclusive(job.profile_id, async () => {
          const scheduledAt = Context.current().info.currentAttemptScheduledTimestampMs;
          if (deps.profiles.stoppedSince(run.run_id, scheduledAt)) {
            throw new CancelledFailure(
              `job ${job.job_id} stopped profile ${job.profile_id} before this start ran`,
            );
          }
          await confirmLease(deps, job.profile_id, lease_token, 'the profile started');
          checkJobAccess(deps, { ...job, folder_id: input.folder_id }, input.task);
          const open = deps.profiles.get(job.profile_id);
          if (open?.handed_over && open.job_id === job.job_id && open.lease_token === lease_token) {
            const port = await reuseHandedOver(deps, open);
            span.setAttribute('mlx.profile.reused', port !== undefined);
            if (port !== undefined) {
              deps.log.info('profile reused', { job_id: job.job_id, profile_id: job.profile_id, port });
              return { port, browser_type: open.browser_type };
            }
            // Broken or gone: this job's start is a fresh one.
            await deps.connections.drop(job.profile_id);
            await deps.launcher.stopProfile(job.profile_id);
            deps.profiles.delete(job.profile_id);
          }
          const started = await launch(input);
          const activity = Context.current();
          if (activity.cancellationSignal.aborted) {
            // Cancelled while the launcher started it: stop it here, nobody else knows it exists.
            await deps.launcher.stopProfile(job.profile_id);
            deps.log.info('stopped a profile whose start was cancelled', {
              job_id: job.job_id,
              profile_id: job.profile_id,
            });
            throw new CancelledFailure('the start was cancelled; the profile was stopped again');
          }
          deps.profiles.set({
            profile_id: job.profile_id,
            job_id: job.job_id,
            ...run,
            lease_token,
            since: Date.now(),
            browser: {
              port: started.port,
              client_id: job.client_id,
              folder_id: input.folder_id,
              headless: input.headless ?? deps.headless,
            },
            browser_type: started.browserType,
          });
          span.setAttributes({
            'mlx.cdp.port': started.port,
            'mlx.browser_type': started.browserType ?? '',
          });
          deps.log.info('profile started', {
            job_id: job.job_id,
            profile_id: job.profile_id,
            port: started.port,
          });
          return { port: started.port, browser_type: started.browserType };
        }),
      );
    },

    /** `lingering`: kept open for the next job on the profile instead (warm-profile.ts). */
    stopProfile({
      job,
    }: StopProfileInput): Promise<{ already_stopped: boolean; refused?: boolean; lingering?: boolean }> {
      const run = currentRun();
      const scheduledAt = Context.current().info.currentAttemptScheduledTimestampMs;
      return stepSpan('mlx.profile.stop', job, deps.workerId, (span) =>
        deps.profiles.exclusive(job.profile_id, async () => {
          deps.profiles.markStopped(run.run_id, scheduledAt);
          const open = deps.profiles.get(job.profile_id);
          const holder = await deps.leases.get(job.profile_id).catch(() => undefined);
          // On a launcher shared by several workers, the same job moved to another worker owns it now too.
          const heldElsewhere =
            holder !== undefined &&
            (holder.job_id !== job.job_id || (deps.launcherShared && holder.worker_id !== deps.workerId));
          if ((open && open.job_id !== job.job_id) || heldElsewhere) {
            // Fencing: a late stop must not kill the browser of the job that holds the profile now.
            deps.slots.free(job.job_id);
            span.setAttribute('mlx.profile.stop_refused', true);
            deps.log.warn('refused to stop a profile another job holds', {
              job_id: job.job_id,
              profile_id: job.profile_id,
              holder_job_id: open?.job_id ?? holder?.job_id,
            });
            return { already_stopped: true, refused: true };
          }
          if (await lingerInsteadOfStop(deps, open, job)) {
            span.setAttribute('mlx.profile.lingering', true);
            return { already_stopped: false, lingering: true };
          }
          await deps.connections.drop(job.profile_id);
          let alreadyStopped: boolean;
          try {
            ({ alreadyStopped } = await deps.launcher.stopProfile(job.profile_id));
          } catch (err) {
            // The reaper keeps this profile's lease and stops it when the launcher answers again.
            if (open) deps.profiles.set({ ...open, stop_failed: true });
            throw err;
          }
          deps.profiles.delete(job.profile_id);
          deps.slots.free(job.job_id);
          span.setAttribute('mlx.profile.already_stopped', alreadyStopped);
          deps.log.info('profile stopped', {
            job_id: job.job_id,
            profile_id: job.profile_id,
            already_stopped: alreadyStopped,
          });
          return { already_stopped: alreadyStopped };
        }),
      );
    },
  };
}
