/**
 * The cap on profiles one worker has open at once (MLX plans cap them): a slot per job, taken when the
 * worker wins the job's lease and given back when it stopped the job's profile.
 */
export interface SlotHolder {
  job_id: string;
  profile_id: string;
  /** When the slot was taken (ms since epoch). */
  since: number;
}

export interface ProfileSlots {
  readonly max: number;
  /** `held`: the job already has a slot here (a retry); `full`: every slot is taken by other jobs. */
  take(jobId: string, profileId: string): 'taken' | 'held' | 'full';
  free(jobId: string): void;
  holders(): SlotHolder[];
}

export function createProfileSlots(max: number, now: () => number = Date.now): ProfileSlots {
  const held = new Map<string, SlotHolder>();
  return {
    max,
    take(jobId, profileId) {
      if (held.has(jobId)) return 'held';
      if (held.size >= max) return 'full';
      held.set(jobId, { job_id: jobId, profile_id: profileId, since: now() });
      return 'taken';
    },
    free(jobId) {
      held.delete(jobId);
    },
    holders: () => [...held.values()].map((holder) => ({ ...holder })),
  };
}
