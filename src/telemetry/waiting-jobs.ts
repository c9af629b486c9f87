import type { WaitReason } from './metrics';

/** Longer than the longest retry interval of acquireLease (60 s), so a waiting job stays counted. */
const WAITING_WINDOW_MS = 120_000;

const REASONS: Record<string, WaitReason> = { ProfileLeased: 'profile', WorkerAtCapacity: 'slot' };

/**
 * Jobs a worker turned away at acquireLease (profile leased by another job, or no free slot) and has
 * not granted a lease since, for the `mlx_jobs_waiting` gauge. A job counts for two minutes after its
 * last refusal here; in a fleet a job refused by two workers in that window counts on both.
 */
export class WaitingJobs {
  private readonly refused = new Map<string, { reason: WaitReason; at: number }>();

  /** An acquireLease attempt ended: refused with `failureType`, or granted (undefined). */
  record(jobId: string, failureType: string | undefined, now = Date.now()): void {
    const reason = failureType === undefined ? undefined : REASONS[failureType];
    if (reason) this.refused.set(jobId, { reason, at: now });
    else this.refused.delete(jobId);
  }

  count(reason: WaitReason, now = Date.now()): number {
    let n = 0;
    for (const [jobId, entry] of this.refused) {
      if (now - entry.at > WAITING_WINDOW_MS) this.refused.delete(jobId);
      else if (entry.reason === reason) n++;
    }
    return n;
  }
}

const byWorker = new Map<string, WaitingJobs>();

/** The waiting jobs of one worker of this process. */
export function waitingJobs(workerId: string): WaitingJobs {
  let jobs = byWorker.get(workerId);
  if (!jobs) byWorker.set(workerId, (jobs = new WaitingJobs()));
  return jobs;
}
