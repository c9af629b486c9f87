/**
 * What the host's lease renewal (lease-renewal.ts) last learnt of each lease a running step depends on:
 * when a renewal of it was last confirmed, and whether it was found lost. The renewal is the only thing
 * that extends a held lease; a step's keeper (activities/lease-keeper.ts) watches its record here to
 * fence itself, so a lease is renewed once per interval however many steps and slots refer to it.
 */

/** One grant of a profile's lease: the profile and the fencing token the job holds it under. */
export interface LeaseRef {
  profile_id: string;
  token: number;
}

export interface LeaseRecord {
  /** When the last renewal that the store confirmed was sent (ms since epoch); 0: none yet. */
  confirmedAt: number;
  /** A renewal found the lease gone (expired, or taken over under another token). */
  lost: boolean;
}

export interface LeaseRecords {
  /**
   * A running step's lease: renewed by the host from now on, with or without a slot for its job here
   * (a worker restarted under a running job has none). `listener` hears every change of the record
   * until the returned function is called.
   */
  watch(lease: LeaseRef, listener: (record: LeaseRecord) => void): () => void;
  /** The leases running steps watch now. */
  watched(): LeaseRef[];
  /** A renewal sent at `sentAt` was confirmed by the store. */
  confirmed(lease: LeaseRef, sentAt: number): void;
  /** A renewal found the lease gone. */
  lost(lease: LeaseRef): void;
}

export const leaseKey = (lease: LeaseRef): string => `${lease.profile_id}#${lease.token}`;

export function createLeaseRecords(): LeaseRecords {
  const entries = new Map<
    string,
    { lease: LeaseRef; record: LeaseRecord; listeners: Set<(record: LeaseRecord) => void> }
  >();
  const update = (lease: LeaseRef, change: (record: LeaseRecord) => LeaseRecord | undefined) => {
    const entry = entries.get(leaseKey(lease));
    if (!entry) return;
    const next = change(entry.record);
    if (!next) return;
    entry.record = next;
    for (const listener of entry.listeners) listener(next);
  };
  return {
    watch(lease, listener) {
      const key = leaseKey(lease);
      const entry = entries.get(key) ?? {
        lease: { profile_id: lease.profile_id, token: lease.token },
        record: { confirmedAt: 0, lost: false },
        listeners: new Set(),
      };
      entries.set(key, entry);
      entry.listeners.add(listener);
      return () => {
        entry.listeners.delete(listener);
        if (entry.listeners.size === 0 && entries.get(key) === entry) entries.delete(key);
      };
    },
    watched: () => [...entries.values()].map((entry) => ({ ...entry.lease })),
    confirmed: (lease, sentAt) =>
      update(lease, (record) =>
        sentAt > record.confirmedAt && !record.lost ? { ...record, confirmedAt: sentAt } : undefined,
      ),
    lost: (lease) => update(lease, (record) => (record.lost ? undefined : { ...record, lost: true })),
  };
}
