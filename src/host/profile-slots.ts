/**
 * The cap on profiles one worker has open at once (MLX plans cap them): a slot per job, taken when the
 * worker wins the job's lease and given back when the job's profile is stopped (by the job, or by the
 * reaper when no live job owns it any more).
 */
import type { RunRef } from './open-profiles';

export interface SlotHolder extends RunRef {
  job_id: string;
  profile_id: string;
  /** When the slot was taken (ms since epoch). */
  since: number;
  /** The job's lease on its profile while this worker holds it (renewed by the host's lease renewal). */
  lease_token?: number;
}

export interface ProfileSlots {
  readonly max: number;
  /**
   * `held`: the job already has a slot here (a retry); `full`: every slot is taken by other jobs;
   * `draining`: the worker is shutting down and takes no new job.
   */
  take(holder: Omit<SlotHolder, 'since' | 'lease_token'>): 'taken' | 'held' | 'full' | 'draining';
  /** Records the lease the slot's job won here (a token), or that it lost it (undefined). */
  leased(jobId: string, token: number | undefined): void;
  /** From now on no new job gets a slot; jobs holding one keep it until they free it. */
  drain(): void;
  /** Whether drain() was called. */
  readonly draining: boolean;
  free(jobId: string): void;
  holders(): SlotHolder[];
  /** Slots a new job may take: none while draining. */
  available(): number;
  /** Calls `listener` whenever a slot is freed; returns the unsubscribe. */
  onFree(listener: () => void): () => void;
}

export function createProfileSlots(max: number, now: () => number = Date.now): ProfileSlots {
  const held = new Map<string, SlotHolder>();
  const listeners = new Set<() => void>();
  let draining = false;
  return {
    max,
    take(holder) {
      if (held.has(holder.job_id)) return 'held';
      if (draining) return 'draining';
      if (held.size >= max) return 'full';
      held.set(holder.job_id, { ...holder, since: now() });
      return 'taken';
    },
    leased(jobId, token) {
      const holder = held.get(jobId);
      if (holder) held.set(jobId, { ...holder, lease_token: token });
    },
    drain() {
      draining = true;
    },
    get draining() {
      return draining;
    },
    free(jobId) {
      if (!held.delete(jobId)) return;
      for (const listener of listeners) listener();
    },
    holders: () => [...held.values()].map((holder) => ({ ...holder })),
    available: () => (draining ? 0 : max - held.size),
    onFree(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}
