import { failure } from '../errors';
import type { ActivityDeps } from './deps';

export interface AcquireLeaseInput {
  job_id: string;
  profile_id: string;
}

export interface LeaseGrant {
  worker_id: string;
  /** Host-bound steps of this job go to this queue: the leasing worker's own. */
  task_queue: string;
  token: number;
  expires_at: number;
}

export function leaseActivities(deps: ActivityDeps) {
  return {
    async acquireLease(input: AcquireLeaseInput): Promise<LeaseGrant> {
      const owner = { worker_id: deps.workerId, job_id: input.job_id };
      const lease = await deps.leases.acquire(input.profile_id, owner, deps.leaseTtlMs);
      if (!lease) {
        const holder = (await deps.leases.list()).find((l) => l.profile_id === input.profile_id);
        throw failure('ProfileLeased', `profile ${input.profile_id} is leased by another job`, {
          details: { holder_job_id: holder?.job_id, holder_worker_id: holder?.worker_id },
        });
      }
      deps.log.info('lease acquired', {
        job_id: input.job_id,
        profile_id: input.profile_id,
        token: lease.token,
      });
      return {
        worker_id: deps.workerId,
        task_queue: deps.hostTaskQueue,
        token: lease.token,
        expires_at: lease.expires_at,
      };
    },

    async releaseLease(input: { profile_id: string; token: number }): Promise<{ released: boolean }> {
      const released = await deps.leases.release(input.profile_id, input.token);
      deps.log.info('lease released', { profile_id: input.profile_id, token: input.token, released });
      return { released };
    },
  };
}
