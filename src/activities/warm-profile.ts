/**
 * Warm profiles: a job whose task completed leaves its browser open for the next job on the profile
 * (MLX_PROFILE_LINGER_MS), and the next job of the same client, with the same folder and `headless`,
 * and no `fresh_start`, takes it over instead of starting the profile again. The lease is never free in
 * between: the stop hands it from the job's token to this host's own (lingering) owner, the next job's
 * lease on this host hands it on again, each a compare-and-set under a new token (LeaseStore.handOver), so
 * a late step of either job is fenced out and no other host can take the profile meanwhile. A browser
 * nobody takes over in time is stopped by the reaper; one another job needs (another client, a fresh
 * start, no room) is stopped first. Design: docs/reliability.md, "Warm profiles".
 */
import { Context } from '@temporalio/activity';
import { openFreshTab } from '../cdp';
import type { JobRef, JobSpec } from '../contract';
import type { OpenProfile } from '../host';
import type { Lease } from '../lease';
import type { ActivityDeps } from './deps';
import { currentRun } from './run-of';

/**
 * The owner a lingering browser's lease is held under: this host, on behalf of the job that last drove
 * it. `/` is never in a job id, so no job can be mistaken for it.
 */
const LINGER_OWNER = 'linger/';

export const isLingering = (lease: Pick<Lease, 'job_id'>): boolean => lease.job_id.startsWith(LINGER_OWNER);

/** How long a reused browser's probe (a fresh tab) may take before the job starts it afresh. */
const REUSE_PROBE_MS = 3_000;

type WarmDeps = Pick<
  ActivityDeps,
  | 'leases'
  | 'leaseTtlMs'
  | 'launcher'
  | 'profiles'
  | 'slots'
  | 'connections'
  | 'log'
  | 'workerId'
  | 'lingerMs'
  | 'cdpHost'
  | 'headless'
>;

/**
 * Called by the job's stop, on the profile's lock: keeps the browser open instead of stopping it when
 * the job's task completed here and lingering is on. True: kept (the job's lease and slot are gone);
 * false: the caller stops it as usual.
 */
export async function lingerInsteadOfStop(deps: WarmDeps, open: OpenProfile | undefined, job: JobRef) {
  if (!deps.lingerMs || deps.slots.draining) return false;
  if (open?.job_id !== job.job_id || !open.task_completed || !open.browser) return false;
  const owner = { worker_id: deps.workerId, job_id: `${LINGER_OWNER}${job.job_id}` };
  const lease = await deps.leases
    .handOver(job.profile_id, open.lease_token, owner, deps.leaseTtlMs)
    .catch(() => undefined);
  if (!lease) return false;
  await deps.connections.drop(job.profile_id);
  deps.profiles.set({
    ...open,
    job_id: lease.job_id,
    lease_token: lease.token,
    task_completed: false,
    lingering_until: Date.now() + deps.lingerMs,
  });
  deps.slots.free(job.job_id);
  deps.log.info('profile kept open for the next job', {
    job_id: job.job_id,
    profile_id: job.profile_id,
    linger_ms: deps.lingerMs,
  });
  return true;
}

/**
 * acquireLease's first move on this host: when the job's profile lingers here, hands its browser over
 * to a job that may have it (same client, folder and `headless`, no fresh start, a slot free) and
 * returns the lease it now holds; otherwise stops the lingering browser (the job then leases as usual).
 */
export function takeOverLingering(deps: WarmDeps, spec: JobSpec): Promise<Lease | undefined> {
  const { profile_id: profileId, job_id: jobId } = spec;
  return deps.profiles.exclusive(profileId, async () => {
    const open = deps.profiles.get(profileId);
    if (!open?.lingering_until) return undefined;
    const fits =
      open.browser?.client_id === spec.client_id &&
      open.browser.folder_id === spec.folder_id &&
      open.browser.headless === (spec.headless ?? deps.headless) &&
      !spec.fresh_start;
    const slot = fits ? deps.slots.take({ job_id: jobId, profile_id: profileId, ...currentRun() }) : 'full';
    if (slot === 'taken' || slot === 'held') {
      const owner = { worker_id: deps.workerId, job_id: jobId };
      const lease = await deps.leases
        .handOver(profileId, open.lease_token, owner, deps.leaseTtlMs)
        .catch(() => undefined);
      if (lease) {
        deps.profiles.set({
          ...open,
          ...currentRun(),
          job_id: jobId,
          lease_token: lease.token,
          since: Date.now(),
          lingering_until: undefined,
          handed_over: true,
        });
        deps.slots.leased(jobId, lease.token);
        deps.log.info('profile handed over open', {
          job_id: jobId,
          profile_id: profileId,
          from: open.job_id,
        });
        return lease;
      }
      if (slot === 'taken') deps.slots.free(jobId);
    }
    const why = !fits ? 'the next job may not have it' : 'no room or its lease was lost';
    await stopLingering(deps, open, why);
    return undefined;
  });
}

/**
 * Stops lingering browsers here (oldest first) until a new one fits within the slots' cap: a lingering
 * browser holds no slot, so it must never keep a job from starting its own.
 */
export async function makeRoomForStart(deps: WarmDeps, profileId: string): Promise<void> {
  const lingering = deps.profiles
    .list()
    .filter((p) => p.lingering_until !== undefined && p.profile_id !== profileId)
    .sort((a, b) => a.since - b.since);
  for (const entry of lingering) {
    if (deps.profiles.size < deps.slots.max) return;
    await deps.profiles.exclusive(entry.profile_id, async () => {
      const now = deps.profiles.get(entry.profile_id);
      if (now?.lingering_until !== undefined && now.lease_token === entry.lease_token) {
        await stopLingering(deps, now, 'another profile needs its room');
      }
    });
  }
}

/** Stops a lingering browser and gives its lease up (both fenced by the lease's token). Holds the lock. */
async function stopLingering(deps: WarmDeps, open: OpenProfile, why: string): Promise<void> {
  const fields = { job_id: open.job_id, profile_id: open.profile_id, reason: why };
  await deps.connections.drop(open.profile_id);
  try {
    await deps.launcher.stopProfile(open.profile_id);
  } catch (err) {
    // The reaper stops it when its linger ends (its lease is renewed until then).
    deps.log.warn('could not stop a lingering profile', { ...fields, error: err });
    return;
  }
  deps.profiles.delete(open.profile_id);
  await deps.leases.release(open.profile_id, open.lease_token).catch(() => false);
  deps.log.info('stopped a lingering profile', fields);
}

/**
 * The start of a job that took a lingering browser over: checks the browser still answers and gives the
 * job a clean page (a fresh tab; the others closed; cookies and storage kept). Its port; undefined when
 * the browser is gone or does not answer (crashed, left broken by the last task): the caller stops it
 * and starts the profile afresh.
 */
export async function reuseHandedOver(deps: WarmDeps, open: OpenProfile): Promise<number | undefined> {
  const port = open.browser?.port;
  if (port === undefined) return undefined;
  const cancelled = Context.current().cancellationSignal;
  try {
    await openFreshTab(deps.cdpHost, port, { timeoutMs: REUSE_PROBE_MS, signal: cancelled });
    return port;
  } catch (err) {
    if (cancelled.aborted) throw err;
    deps.log.warn('the handed-over browser does not answer; starting the profile afresh', {
      job_id: open.job_id,
      profile_id: open.profile_id,
      error: err,
    });
    return undefined;
  }
}
