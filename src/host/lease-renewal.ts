/**
 * Renews every lease this worker depends on, once per interval each: the lease of every job holding a
 * slot here, from the moment acquireLease wins it until the job's profile is stopped and its slot freed,
 * the lease of every browser lingering here for the next job, and the lease of every host step running here (LeaseRecords.watch). It is the only renewal of a held
 * lease: a step's keeper watches what it records (when a renewal was last confirmed, whether the lease
 * was found lost) and fences itself from that, so a workflow task delayed by a busy worker or server
 * never lets a lease lapse under a live job and its open browser, between steps or during one. A lease
 * found gone (expired or taken over) is no longer renewed: the running step stops, the job's next step
 * fails with LeaseLost, and the reaper frees what is left of it.
 */
import { renewalIntervalMs, type LeaseStore } from '../lease';
import type { Logger } from '../telemetry';
import { leaseKey, type LeaseRecords, type LeaseRef } from './lease-records';
import type { OpenProfiles } from './open-profiles';
import type { ProfileSlots } from './profile-slots';

export interface LeaseRenewalDeps {
  slots: ProfileSlots;
  /** Its lingering browsers hold their leases (under the host's own owner) until taken over or stopped. */
  profiles: OpenProfiles;
  leaseRecords: LeaseRecords;
  leases: LeaseStore;
  leaseTtlMs: number;
  log: Logger;
}

export interface LeaseRenewal {
  /** One round now (the timer runs one every renewalIntervalMs). */
  renew(): Promise<void>;
  stop(): Promise<void>;
}

export function startLeaseRenewal(deps: LeaseRenewalDeps): LeaseRenewal {
  // Leases whose last renewal failed (store unreachable): logged once until a renewal succeeds again.
  const failing = new Set<string>();
  let round: Promise<void> | undefined;
  const renewOne = async (lease: LeaseRef, jobId: string | undefined) => {
    const fields = { job_id: jobId, profile_id: lease.profile_id };
    const key = leaseKey(lease);
    try {
      const sentAt = Date.now();
      const held = await deps.leases.extend(lease.profile_id, lease.token, deps.leaseTtlMs);
      const wasFailing = failing.delete(key);
      if (held) {
        deps.leaseRecords.confirmed(lease, sentAt);
        if (wasFailing) deps.log.info('lease renewed again', fields);
        return;
      }
      deps.leaseRecords.lost(lease);
      // Only if the slot still names this lease: the job may have stopped and freed it meanwhile.
      const holder = deps.slots.holders().find((h) => h.lease_token === lease.token && h.job_id === jobId);
      if (holder) {
        deps.slots.leased(holder.job_id, undefined);
        deps.log.warn('lease lost between steps: the job will not drive its profile under it', {
          ...fields,
          token: lease.token,
        });
      }
    } catch (err) {
      if (failing.has(key)) return;
      failing.add(key);
      deps.log.warn('lease renewal failed; trying again', { ...fields, error: err });
    }
  };
  /** Each lease once, whether a slot, a running step or both refer to it. */
  const held = () => {
    const byKey = new Map<string, { lease: LeaseRef; jobId?: string }>();
    for (const h of deps.slots.holders()) {
      if (h.lease_token === undefined) continue;
      const lease = { profile_id: h.profile_id, token: h.lease_token };
      byKey.set(leaseKey(lease), { lease, jobId: h.job_id });
    }
    for (const p of deps.profiles.list()) {
      if (p.lingering_until === undefined) continue;
      const lease = { profile_id: p.profile_id, token: p.lease_token };
      byKey.set(leaseKey(lease), { lease, jobId: p.job_id });
    }
    for (const lease of deps.leaseRecords.watched()) {
      if (!byKey.has(leaseKey(lease))) byKey.set(leaseKey(lease), { lease });
    }
    return [...byKey.values()];
  };
  const renew = () =>
    (round ??= (async () => {
      try {
        const leases = held();
        await Promise.all(leases.map(({ lease, jobId }) => renewOne(lease, jobId)));
        const current = new Set(leases.map(({ lease }) => leaseKey(lease)));
        for (const key of failing) if (!current.has(key)) failing.delete(key);
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
