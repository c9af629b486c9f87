/**
 * The profiles this worker has open in its launcher, each with the job (run and lease token) that opened
 * it. Operations on one profile run one at a time (`exclusive`), so a stop always waits for a start of
 * the same profile in flight on this host, and a start that arrives after its job's stop launches nothing.
 */
export interface RunRef {
  workflow_id: string;
  run_id: string;
}

export interface OpenProfile extends RunRef {
  profile_id: string;
  job_id: string;
  /** The fencing token of the lease the profile was opened under. */
  lease_token: number;
  /** When it was opened (ms since epoch). */
  since: number;
  /** The job's stop failed: the reaper keeps the lease alive and stops the profile itself. */
  stop_failed?: boolean;
  /** What the browser was started with; absent in entries of a start that reused nothing to record. */
  browser?: OpenBrowser;
  browser_type?: string;
  /** The job's task completed here under this lease: its browser may be kept for the next job. */
  task_completed?: boolean;
  /**
   * Kept open after its job's task for the next job on the profile, until then (ms since epoch): no job
   * drives it, its lease is held by this host (warm-profile.ts).
   */
  lingering_until?: number;
  /** Handed over open to this job: its start reuses the browser instead of launching one. */
  handed_over?: boolean;
}

/** A running browser: its CDP port and what it was started for (only a job that matches may reuse it). */
export interface OpenBrowser {
  port: number;
  client_id: string;
  folder_id: string;
  headless: boolean;
}

export interface OpenProfiles {
  /** Runs `fn` while holding the profile's lock on this host. */
  exclusive<T>(profileId: string, fn: () => Promise<T>): Promise<T>;
  get(profileId: string): OpenProfile | undefined;
  set(entry: OpenProfile): void;
  delete(profileId: string): void;
  list(): OpenProfile[];
  readonly size: number;
  /**
   * Remembers that a run stopped its profile, by when the stop was scheduled (server time), so a start
   * of that run scheduled before it (a cancelled start picked up late, a timed-out attempt still on its
   * way) launches nothing.
   */
  markStopped(runId: string, stopScheduledAtMs: number): void;
  stoppedSince(runId: string, startScheduledAtMs: number): boolean;
}

/** Runs whose stop is remembered, for late starts; the oldest are forgotten first. */
const KEEP_STOPPED = 1_000;

export function createOpenProfiles(): OpenProfiles {
  const open = new Map<string, OpenProfile>();
  const locks = new Map<string, Promise<unknown>>();
  const stopped = new Map<string, number>();
  return {
    async exclusive<T>(profileId: string, fn: () => Promise<T>): Promise<T> {
      const before = locks.get(profileId) ?? Promise.resolve();
      const run = before.then(fn);
      const settled = run.catch(() => undefined);
      locks.set(profileId, settled);
      try {
        return await run;
      } finally {
        if (locks.get(profileId) === settled) locks.delete(profileId);
      }
    },
    get: (profileId) => open.get(profileId),
    set: (entry) => void open.set(entry.profile_id, entry),
    delete: (profileId) => void open.delete(profileId),
    list: () => [...open.values()].map((entry) => ({ ...entry })),
    get size() {
      return open.size;
    },
    markStopped(runId, stopScheduledAtMs) {
      stopped.delete(runId);
      stopped.set(runId, Math.max(stopScheduledAtMs, stopped.get(runId) ?? 0));
      if (stopped.size > KEEP_STOPPED) stopped.delete(stopped.keys().next().value!);
    },
    stoppedSince: (runId, startScheduledAtMs) => (stopped.get(runId) ?? -Infinity) > startScheduledAtMs,
  };
}
