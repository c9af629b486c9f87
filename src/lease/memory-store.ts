import type { Lease, LeaseOwner, LeaseStore } from './lease-store';

/** The single-worker default: leases live in this process and vanish with it. */
export function createMemoryLeaseStore(now: () => number = Date.now): LeaseStore {
  const leases = new Map<string, Lease>();
  let nextToken = 1;

  const live = (profileId: string): Lease | undefined => {
    const lease = leases.get(profileId);
    if (lease && lease.expires_at <= now()) {
      leases.delete(profileId);
      return undefined;
    }
    return lease;
  };

  return {
    acquire(profileId: string, owner: LeaseOwner, ttlMs: number) {
      const held = live(profileId);
      if (held && held.job_id !== owner.job_id) return Promise.resolve(undefined);
      // The same worker keeps its token (a retry); another worker taking over the job's lease gets a new one.
      const lease: Lease = {
        ...owner,
        profile_id: profileId,
        token: held?.worker_id === owner.worker_id ? held.token : nextToken++,
        expires_at: now() + ttlMs,
      };
      leases.set(profileId, lease);
      return Promise.resolve({ ...lease });
    },
    extend(profileId: string, token: number, ttlMs: number) {
      const held = live(profileId);
      if (held?.token !== token) return Promise.resolve(false);
      held.expires_at = now() + ttlMs;
      return Promise.resolve(true);
    },
    handOver(profileId: string, fromToken: number, owner: LeaseOwner, ttlMs: number) {
      if (live(profileId)?.token !== fromToken) return Promise.resolve(undefined);
      const lease: Lease = { ...owner, profile_id: profileId, token: nextToken++, expires_at: now() + ttlMs };
      leases.set(profileId, lease);
      return Promise.resolve({ ...lease });
    },
    release(profileId: string, token: number) {
      const held = live(profileId);
      if (held?.token !== token) return Promise.resolve(false);
      leases.delete(profileId);
      return Promise.resolve(true);
    },
    get(profileId: string) {
      const lease = live(profileId);
      return Promise.resolve(lease && { ...lease });
    },
    list() {
      return Promise.resolve(
        [...leases.keys()].flatMap((id) => {
          const lease = live(id);
          return lease ? [{ ...lease }] : [];
        }),
      );
    },
    close: () => Promise.resolve(),
  };
}
