/**
 * Renews the lease of every job this worker holds a slot for, from the moment acquireLease wins it until
 * the job's profile is stopped and its slot freed. The steps renew while they run (and fence themselves
 * when they cannot); this covers the time between them, so a workflow task delayed by a busy worker or
 * server never lets a lease lapse under a live job and its open browser. A lease found gone (expired or
 * taken over) is no longer renewed: the job's next step then fails with LeaseLost, and the reaper frees
 * what is left of it.
 */
import { renewalIntervalMs, type LeaseStore } from '../lease';
import type { Logger } from '../telemetry';
import type { ProfileSlots } from './profile-slots';

export interface LeaseRenewalDeps {
  slots: ProfileSlots;
  leases: LeaseStore;
  leaseTtlMs: number;
  log: Logger;
}

export interface LeaseRenewal {
  /** One round now (the timer runs one every third of the TTL). */
  renew(): Promise<void>;
  stop(): Promise<void>;
}

export function startLeaseRenewal(deps: LeaseRenewalDeps): LeaseRenewal {
  // Jobs whose last renewal failed (store unreachable): logged once until a renewal succeeds again.
  const failing = new Set<string>();
  let round: Promise<void> | undefined;
  const renewOne = async (jobId: string, profileId: string, token: number) => {
    try {
      const held = await deps.leases.extend(profileId, token, deps.leaseTtlMs);
      const wasFailing = failing.delete(jobId);
      if (held) {
        if (wasFailing) deps.log.info('lease renewed again', { job_id: jobId, profile_id: profileId });
        return;
      }
      // Only if the slot still names this lease: the job may have stopped and freed it meanwhile.
      if (deps.slots.holders().some((h) => h.job_id === jobId && h.lease_token === token)) {
        deps.slots.leased(jobId, undefined);
        deps.log.warn('lease lost between steps: the job will not drive its profile under it', {
          job_id: jobId,
          profile_id: profileId,
          token,
        });
      }
    } catch (err) {
      if (failing.has(jobId)) return;
      failing.add(jobId);
      deps.log.warn('lease renewal failed; trying again', {
        job_id: jobId,
        profile_id: profileId,
        error: err,
      });
    }
  };
  const renew = () =>
    (round ??= (async () => {
      try {
        const held = deps.slots.holders().filter((h) => h.lease_token !== undefined);
        await Promise.all(held.map((h) => renewOne(h.job_id, h.profile_id, h.lease_token!)));
        for (const jobId of failing) if (!held.some((h) => h.job_id === jobId)) failing.delete(jobId);
      } finally {
        round = undefined;
      }
    })());
  const timer = setInterval(() => void renew(), renewalIntervalMs(deps.leaseTtlMs));
  timer.unref();
  return {
    renew,
    async stop() {
      clearInterval(timer);
      await round;
    },
  };
}
