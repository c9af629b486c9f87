import { errorTypeOf } from '../errors';
import type { ActivityDeps } from './deps';

export interface StartProfileInput {
  job_id: string;
  profile_id: string;
  folder_id: string;
  headless?: boolean;
}

export function profileActivities(deps: ActivityDeps) {
  return {
    async startProfile(input: StartProfileInput): Promise<{ port: number; browser_type?: string }> {
      const request = {
        folderId: input.folder_id,
        profileId: input.profile_id,
        headless: input.headless ?? deps.headless,
      };
      let started;
      try {
        started = await deps.launcher.startProfile(request);
      } catch (err) {
        // We hold the lease, so a running browser is ours: left by an attempt whose reply was lost.
        if (errorTypeOf(err) !== 'MlxProfileAlreadyRunning') throw err;
        deps.log.warn('profile already running under our lease; restarting it', {
          profile_id: input.profile_id,
        });
        await deps.launcher.stopProfile(input.profile_id);
        started = await deps.launcher.startProfile(request);
      }
      deps.openProfiles.add(input.profile_id);
      deps.log.info('profile started', {
        job_id: input.job_id,
        profile_id: input.profile_id,
        port: started.port,
      });
      return { port: started.port, browser_type: started.browserType };
    },

    async stopProfile(input: { profile_id: string }): Promise<{ already_stopped: boolean }> {
      const { alreadyStopped } = await deps.launcher.stopProfile(input.profile_id);
      deps.openProfiles.delete(input.profile_id);
      deps.log.info('profile stopped', { profile_id: input.profile_id, already_stopped: alreadyStopped });
      return { already_stopped: alreadyStopped };
    },
  };
}
