/** Who may drive a profile: one holder at a time, with a TTL, renewed while the task runs. */
export interface LeaseOwner {
  worker_id: string;
  job_id: string;
}

export interface Lease extends LeaseOwner {
  profile_id: string;
  /** Fencing token: strictly increases with every new grant of the same store. */
  token: number;
  expires_at: number;
}

export interface LeaseStore {
  /**
   * Grants the lease when the profile is free or its lease has expired. The same job asking again
   * (an activity retry) on the same worker gets its own live lease back, renewed, with the same token.
   * The same job on another worker (host failover) takes its lease over under a new, higher token, so
   * the old host's renewals and release fail. Another job gets undefined.
   */
  acquire(profileId: string, owner: LeaseOwner, ttlMs: number): Promise<Lease | undefined>;
  /** Renews a lease still held under `token`; false when it was lost. */
  extend(profileId: string, token: number, ttlMs: number): Promise<boolean>;
  /**
   * Passes a lease still held under `fromToken` to `owner` in one step, under a new, higher token (so the
   * old holder can no longer renew or release it); undefined when it was no longer held under that token.
   * A warm profile's hand-over: the profile is never free in between, so no other host can take it.
   */
  handOver(
    profileId: string,
    fromToken: number,
    owner: LeaseOwner,
    ttlMs: number,
  ): Promise<Lease | undefined>;
  /** Frees a lease still held under `token`; false when it was no longer held. */
  release(profileId: string, token: number): Promise<boolean>;
  /** The live lease of one profile, if any (one read, no scan). */
  get(profileId: string): Promise<Lease | undefined>;
  list(): Promise<Lease[]>;
  close(): Promise<void>;
}
