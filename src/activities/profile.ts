import { Context } from '@temporalio/activity';
import { errorTypeOf, failure, type JobRef } from '../contract';
import type { ActivityDeps } from './deps';
import { keepLease, type LeaseKeeper } from './lease-keeper';
import { applyStartRetryRules, DEFAULT_START_RETRY_RULES } from '../policies';
import { stepSpan } from '../telemetry';

export interface StartProfileInput {
  job: JobRef;
  folder_id: string;
  headless?: boolean;
  /** The job's lease, renewed while the launcher starts the browser (absent in runs recorded before). */
  lease_token?: number;
}

export function profileActivities(deps: ActivityDeps) {
  async function holdLease(job: JobRef, token: number): Promise<LeaseKeeper> {
    if (!(await deps.leases.extend(job.profile_id, token, deps.leaseTtlMs))) {
      throw failure('ProfileLeased', `the lease on profile ${job.profile_id} was lost before it started`, {
        nonRetryable: true,
      });
    }
    const log = deps.log.child({ job_id: job.job_id, profile_id: job.profile_id });
    return keepLease(
      deps,
      { profile_id: job.profile_id, token },
      {
        log,
        onLost: () => log.warn('lease lost while the profile was starting'),
      },
    );
  }

  return {
    startProfile({
      job,
      folder_id,
      headless,
      lease_token,
    }: StartProfileInput): Promise<{ port: number; browser_type?: string }> {
      return stepSpan('mlx.profile.start', job, deps.workerId, async (span) => {
        // A core download can take minutes: keep the lease meanwhile, and never start without it.
        const keeper = lease_token === undefined ? undefined : await holdLease(job, lease_token);
        const request = {
          folderId: folder_id,
          profileId: job.profile_id,
          headless: headless ?? deps.headless,
        };
        let started;
        try {
          try {
            started = await deps.launcher.startProfile(request);
          } catch (err) {
            // We hold the lease, so a running browser is ours: left by an attempt whose reply was lost.
            if (errorTypeOf(err) !== 'MlxProfileAlreadyRunning') throw err;
            deps.log.warn('profile already running under our lease; restarting it', {
              profile_id: job.profile_id,
            });
            await deps.launcher.stopProfile(job.profile_id);
            started = await deps.launcher.startProfile(request);
          }
        } catch (err) {
          const rules = deps.startRetry ?? DEFAULT_START_RETRY_RULES;
          throw applyStartRetryRules(err, Context.current().info.attempt, rules);
        } finally {
          keeper?.stop();
        }
        deps.openProfiles.add(job.profile_id);
        span.setAttributes({ 'mlx.cdp.port': started.port, 'mlx.browser_type': started.browserType ?? '' });
        deps.log.info('profile started', {
          job_id: job.job_id,
          profile_id: job.profile_id,
          port: started.port,
        });
        return { port: started.port, browser_type: started.browserType };
      });
    },

    stopProfile({ job }: { job: JobRef }): Promise<{ already_stopped: boolean }> {
      return stepSpan('mlx.profile.stop', job, deps.workerId, async (span) => {
        const { alreadyStopped } = await deps.launcher.stopProfile(job.profile_id);
        deps.openProfiles.delete(job.profile_id);
        deps.slots.free(job.job_id);
        span.setAttribute('mlx.profile.already_stopped', alreadyStopped);
        deps.log.info('profile stopped', {
          job_id: job.job_id,
          profile_id: job.profile_id,
          already_stopped: alreadyStopped,
        });
        return { already_stopped: alreadyStopped };
      });
    },
  };
}
