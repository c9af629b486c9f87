import { renewalIntervalMs, type LeaseStore } from '../../src/lease';
import type { DirectJob, SevenSteps } from '../direct/step-order';

/**
 * The seven steps with the lease renewed while the job holds it, as a BullMQ user whose jobs can
 * outlast the TTL would write it (eight browsers on two cores take 40 s a job): renewed every quarter of
 * the TTL (the project's interval) from acquireLease until releaseLease, which fails the attempt, for
 * BullMQ to retry, if a renewal found the lease lost meanwhile.
 */
export function withLeaseRenewal(steps: SevenSteps, leases: LeaseStore, ttlMs: number): SevenSteps {
  const held = new Map<string, { timer: NodeJS.Timeout; lost: boolean }>();
  return {
    ...steps,
    async acquireLease(job: DirectJob) {
      const token = await steps.acquireLease(job);
      const entry = {
        lost: false,
        timer: setInterval(() => {
          leases.extend(job.profile_id, token, ttlMs).then(
            (kept) => (entry.lost ||= !kept),
            () => undefined, // one failed round trip: the next renewal still lands within the TTL
          );
        }, renewalIntervalMs(ttlMs)),
      };
      held.set(job.job_id, entry);
      return token;
    },
    async releaseLease(job: DirectJob, token: number) {
      const entry = held.get(job.job_id);
      held.delete(job.job_id);
      if (entry) clearInterval(entry.timer);
      await steps.releaseLease(job, token);
      if (entry?.lost) throw new Error(`job ${job.job_id} lost its lease on ${job.profile_id} while it ran`);
    },
  };
}
