/**
 * The reaper: every few seconds, reconciles what this worker holds (open profiles, slots, what its
 * launcher runs) with the lease store and with Temporal, and stops and frees what no live job owns: a
 * profile whose run is closed (terminated, timed out, or finished without a successful stop), whose
 * lease passed to another host or job, or whose stop failed (its lease is kept alive meanwhile); a slot
 * of a job that no longer holds its lease here; a browser its launcher runs that no job of this worker
 * opened; a browser kept open for the next job (lingering) that no job took over in time. Every action is logged with the job id.
 */
import type { Lease, LeaseStore } from '../lease';
import type { LauncherClient } from '../mlx';
import type { Logger } from '../telemetry';
import type { OpenProfile, OpenProfiles, RunRef } from './open-profiles';
import type { ProfileSlots, SlotHolder } from './profile-slots';

export interface ReaperDeps {
  workerId: string;
  launcher: LauncherClient;
  launcherShared: boolean;
  leases: LeaseStore;
  leaseTtlMs: number;
  profiles: OpenProfiles;
  slots: ProfileSlots;
  log: Logger;
  /** Whether a run is still open; undefined when Temporal could not be asked. */
  runIsOpen(run: RunRef): Promise<boolean | undefined>;
}

export interface Reaper {
  /** One reconciliation now (the loop calls it every interval). */
  sweep(): Promise<void>;
  /** Stops the loop; a sweep in progress finishes first. */
  stop(): Promise<void>;
}

type Verdict =
  | { reap: false }
  | {
      reap: true;
      reason: string;
      /** Its run is closed: no later start of that run may open the profile again. */
      runClosed: boolean;
      /** The lease is still this job's: keep it alive until the browser is really stopped. */
      holdLease?: boolean;
    };

export function startReaper(deps: ReaperDeps, intervalMs: number): Reaper {
  const { log } = deps;

  /** Why the lease says no live job of this worker owns the profile, if it says so. */
  function leaseVerdict(entry: OpenProfile, lease: Lease | undefined): Verdict {
    if (!lease) return { reap: true, reason: 'its lease expired', runClosed: false };
    if (lease.job_id !== entry.job_id) {
      return { reap: true, reason: `job ${lease.job_id} holds its lease now`, runClosed: false };
    }
    if (lease.worker_id !== deps.workerId) {
      // On a launcher several workers share, the browser is the new host's as much as ours: leave it.
      if (deps.launcherShared) return { reap: false };
      return { reap: true, reason: `the job moved to worker ${lease.worker_id}`, runClosed: false };
    }
    return { reap: false };
  }

  /**
   * Why no live job owns this open profile, if none does. The lease is read first: when it has expired
   * or passed on, that decides, so a host cut off from Temporal stops its browser as soon as the job
   * moves on instead of after a run check that cannot be answered. Temporal is asked only while the
   * lease is still this job's here (or the store cannot be read): a closed run, or a failed stop.
   */
  async function judgeProfile(entry: OpenProfile): Promise<Verdict> {
    const lease = await deps.leases.get(entry.profile_id).catch(() => 'unknown' as const);
    if (lease !== 'unknown') {
      const byLease = leaseVerdict(entry, lease);
      if (byLease.reap) return byLease;
    }
    // A browser kept for the next job: no run drives it; it is stopped when its linger ends.
    if (entry.lingering_until !== undefined) {
      return entry.lingering_until <= Date.now()
        ? { reap: true, reason: 'no job took it over within its linger', runClosed: false }
        : { reap: false };
    }
    const open = await deps.runIsOpen(entry);
    if (open === false) return { reap: true, reason: 'its run is closed', runClosed: true };
    if (entry.stop_failed)
      return { reap: true, reason: 'its stop failed', runClosed: false, holdLease: true };
    return { reap: false };
  }

  async function reapProfile(profileId: string): Promise<void> {
    await deps.profiles.exclusive(profileId, async () => {
      const entry = deps.profiles.get(profileId);
      if (!entry) return;
      const verdict = await judgeProfile(entry);
      if (!verdict.reap) return;
      const fields = { job_id: entry.job_id, profile_id: profileId, reason: verdict.reason };
      if (verdict.holdLease) {
        // Keeps the profile from other jobs until its browser is really stopped.
        await deps.leases.extend(profileId, entry.lease_token, deps.leaseTtlMs).catch(() => false);
      }
      try {
        await deps.launcher.stopProfile(profileId);
      } catch (err) {
        deps.profiles.set({ ...entry, stop_failed: true });
        log.error('reaper could not stop a profile; trying again next round', { ...fields, error: err });
        return;
      }
      deps.profiles.delete(profileId);
      deps.profiles.markStopped(entry.run_id, verdict.runClosed ? Infinity : Date.now());
      deps.slots.free(entry.job_id);
      const released = await deps.leases.release(profileId, entry.lease_token).catch(() => false);
      if (entry.lingering_until !== undefined)
        log.info('stopped a lingering profile', { ...fields, lease_released: released });
      else log.warn('reaper stopped a profile no live job owns', { ...fields, lease_released: released });
    });
  }

  /** Whether a slot without an open profile is still a live job's (between its lease and its start). */
  async function slotIsLive(holder: SlotHolder): Promise<boolean> {
    if (Date.now() - holder.since < deps.leaseTtlMs) {
      // Young: its lease may still be on its way; only a closed run gives it back early.
      return (await deps.runIsOpen(holder)) !== false;
    }
    if ((await deps.runIsOpen(holder)) === false) return false;
    const lease = await deps.leases.get(holder.profile_id).catch(() => 'unknown' as const);
    if (lease === 'unknown') return true;
    return lease?.job_id === holder.job_id && lease.worker_id === deps.workerId;
  }

  async function reapSlots(): Promise<void> {
    for (const holder of deps.slots.holders()) {
      if (deps.profiles.get(holder.profile_id)?.job_id === holder.job_id) continue;
      if (await slotIsLive(holder)) continue;
      deps.slots.free(holder.job_id);
      log.warn('reaper freed the slot of a job that no longer needs it', {
        job_id: holder.job_id,
        profile_id: holder.profile_id,
      });
    }
  }

  /** Browsers the launcher runs that no job of this worker opened (a start whose reply was lost). */
  async function reapOrphans(): Promise<void> {
    let states;
    try {
      ({ states } = await deps.launcher.statuses());
    } catch (err) {
      log.debug('reaper could not list the launcher profiles', { error: err }); // the steps report it
      return;
    }
    for (const [key, state] of Object.entries(states)) {
      if (state.status === 'stopped') continue;
      const profileId = state.profile_id ?? key;
      await deps.profiles.exclusive(profileId, async () => {
        if (deps.profiles.get(profileId)) return;
        const lease = await deps.leases.get(profileId).catch(() => 'unknown' as const);
        if (lease === 'unknown') return;
        // Leased here: a job of ours that will stop or restart it. Leased elsewhere on a shared launcher:
        // that worker's. Otherwise (no lease, or our private launcher) nobody will stop it but us.
        if (lease && (lease.worker_id === deps.workerId || deps.launcherShared)) return;
        await deps.launcher.stopProfile(profileId);
        log.warn('reaper stopped a browser no job of this worker opened', {
          profile_id: profileId,
          status: state.status,
        });
      });
    }
  }

  let sweeping: Promise<void> | undefined;
  const sweep = () =>
    (sweeping ??= (async () => {
      try {
        for (const entry of deps.profiles.list()) await reapProfile(entry.profile_id);
        await reapSlots();
        await reapOrphans();
      } catch (err) {
        log.error('reaper round failed', { error: err });
      } finally {
        sweeping = undefined;
      }
    })());

  const timer = setInterval(() => void sweep(), intervalMs);
  timer.unref();
  return {
    sweep,
    async stop() {
      clearInterval(timer);
      await sweeping;
    },
  };
}
