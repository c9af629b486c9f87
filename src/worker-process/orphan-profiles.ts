import type { ActivityDeps } from '../activities';

/**
 * No orphan browsers: a worker that starts stops what its launcher still has open from before (a
 * previous run of this worker that was killed). With a shared launcher (one MLX agent for several
 * workers on a machine), a profile whose live lease names another worker is that worker's, and is left.
 * Never throws: a launcher that does not answer yet must not keep the worker from starting.
 */
export async function stopOrphanProfiles(
  deps: Pick<ActivityDeps, 'launcher' | 'leases' | 'workerId' | 'log'>,
  options: { launcherIsPrivate: boolean },
): Promise<string[]> {
  const stopped: string[] = [];
  try {
    const { states } = await deps.launcher.statuses();
    const running = Object.entries(states).filter(([, state]) => state.status !== 'stopped');
    if (running.length === 0) return stopped;
    const leases = options.launcherIsPrivate ? [] : await deps.leases.list();
    for (const [key, state] of running) {
      const profileId = state.profile_id ?? key;
      const holder = leases.find((l) => l.profile_id === profileId);
      if (holder && holder.worker_id !== deps.workerId) {
        deps.log.info('left a running profile leased by another worker', {
          profile_id: profileId,
          holder_worker_id: holder.worker_id,
        });
        continue;
      }
      try {
        await deps.launcher.stopProfile(profileId);
        stopped.push(profileId);
        deps.log.warn('stopped a profile left open by an earlier run of this worker', {
          profile_id: profileId,
          status: state.status,
        });
      } catch (err) {
        deps.log.error('could not stop a profile left open by an earlier run', {
          profile_id: profileId,
          error: err,
        });
      }
    }
  } catch (err) {
    deps.log.error('could not list the launcher profiles at start-up', { error: err });
  }
  return stopped;
}
