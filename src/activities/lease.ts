import { failure, type JobRef } from '../contract';
import { CAPACITY_RETRY_DELAY_MS } from '../policies';
import type { ActivityDeps } from './deps';
import { stepSpan } from '../telemetry';

export interface LeaseGrant {
  worker_id: string;
  /** Host-bound steps of this job go to this queue: the leasing worker's own. */
  task_queue: string;
  token: number;
  expires_at: number;
}

export function leaseActivities(deps: ActivityDeps) {
  /**
   * A slot for the job on this worker. When all are taken, slots of jobs that neither hold their lease
   * here nor have their profile open (a workflow terminated between its steps) are given back first;
   * a slot younger than the lease TTL is never taken back, its lease may still be on its way.
   */
  async function takeSlot(job: JobRef): Promise<'taken' | 'held' | 'full'> {
    const first = deps.slots.take(job.job_id, job.profile_id);
    if (first !== 'full') return first;
    const now = Date.now();
    const old = deps.slots.holders().filter((holder) => now - holder.since > deps.leaseTtlMs);
    if (old.length === 0) return first;
    const leases = await deps.leases.list();
    for (const holder of old) {
      const leasedHere = leases.some((l) => l.job_id === holder.job_id && l.worker_id === deps.workerId);
      if (!leasedHere && !deps.openProfiles.has(holder.profile_id)) {
        deps.slots.free(holder.job_id);
        deps.log.warn('freed the slot of a job that no longer holds its lease here', { ...holder });
      }
    }
    return deps.slots.take(job.job_id, job.profile_id);
  }

  return {
    acquireLease({ job }: { job: JobRef }): Promise<LeaseGrant> {
      return stepSpan('mlx.lease.acquire', job, deps.workerId, async (span) => {
        const slot = await takeSlot(job);
        if (slot === 'full') {
          span.setAttribute('mlx.worker.at_capacity', true);
          throw failure(
            'WorkerAtCapacity',
            `worker ${deps.workerId} has ${deps.slots.max} profiles open (MLX_MAX_OPEN_PROFILES)`,
            {
              details: { worker_id: deps.workerId, max_open_profiles: deps.slots.max },
              nextRetryDelayMs: CAPACITY_RETRY_DELAY_MS,
            },
          );
        }
        const owner = { worker_id: deps.workerId, job_id: job.job_id };
        const lease = await deps.leases
          .acquire(job.profile_id, owner, deps.leaseTtlMs)
          .catch((err: unknown) => {
            if (slot === 'taken') deps.slots.free(job.job_id);
            throw err;
          });
        if (!lease) {
          if (slot === 'taken') deps.slots.free(job.job_id);
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
          open_slots: deps.slots.max - deps.slots.holders().length,
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
