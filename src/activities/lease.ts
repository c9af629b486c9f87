import { failure } from '../errors';
import type { JobRef } from '../telemetry';
import type { ActivityDeps } from './deps';
import { stepSpan } from './step-span';

export interface LeaseGrant {
  worker_id: string;
  /** Host-bound steps of this job go to this queue: the leasing worker's own. */
  task_queue: string;
  token: number;
  expires_at: number;
}

export function leaseActivities(deps: ActivityDeps) {
  return {
    acquireLease({ job }: { job: JobRef }): Promise<LeaseGrant> {
      return stepSpan('mlx.lease.acquire', job, deps.workerId, async (span) => {
        const owner = { worker_id: deps.workerId, job_id: job.job_id };
        const lease = await deps.leases.acquire(job.profile_id, owner, deps.leaseTtlMs);
        if (!lease) {
          const holder = (await deps.leases.list()).find((l) => l.profile_id === job.profile_id);
          throw failure('ProfileLeased', `profile ${job.profile_id} is leased by another job`, {
            details: { holder_job_id: holder?.job_id, holder_worker_id: holder?.worker_id },
          });
        }
        span.setAttribute('mlx.lease.token', lease.token);
        deps.log.info('lease acquired', {
          job_id: job.job_id,
          profile_id: job.profile_id,
          token: lease.token,
        });
        return {
          worker_id: deps.workerId,
          task_queue: deps.hostTaskQueue,
          token: lease.token,
          expires_at: lease.expires_at,
        };
      });
    },

    releaseLease({ job, token }: { job: JobRef; token: number }): Promise<{ released: boolean }> {
      return stepSpan('mlx.lease.release', job, deps.workerId, async (span) => {
        const released = await deps.leases.release(job.profile_id, token);
        span.setAttribute('mlx.lease.released', released);
        deps.log.info('lease released', { job_id: job.job_id, profile_id: job.profile_id, token, released });
        return { released };
      });
    },
  };
}
