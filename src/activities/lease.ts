import { trace, type Span } from '@opentelemetry/api';
import { failure, hostTaskQueue, type JobRef, type TurnRun } from '../contract';
import { CAPACITY_RETRY_DELAY_MS } from '../policies';
import type { ActivityDeps } from './deps';
import { checkRunInput, type CheckedRunInput } from './input-check';
import { stepSpan } from '../telemetry';
import { currentRun } from './run-of';
import { traceLink } from '../client-library/links';
import { isLingering, makeRoomForStart, takeOverLingering } from './warm-profile';
import type { Lease } from '../lease';

export interface LeaseGrant {
  worker_id: string;
  /** Host-bound steps of this job go to this queue: the leasing worker's own. */
  task_queue: string;
  token: number;
  expires_at: number;
  /**
   * The job's trace in this worker's trace UI (MLX_TRACE_URL_TEMPLATE), for the run's details in the
   * Temporal UI whatever the client that started the run had configured (a schedule's run too).
   */
  trace_url?: string;
}

/** Gives a job's turn on its profile back to the profile's queue. */
export type GiveBackTurn = (input: { profile_id: string; run: TurnRun }) => Promise<void>;

export function leaseActivities(deps: ActivityDeps, giveBackTurn?: GiveBackTurn) {
  const grantOf = (lease: Lease, span: Span): LeaseGrant => {
    // This step's span is in the job's trace.
    const traceUrl = traceLink(deps.traceUrlTemplate, span.spanContext().traceId);
    return {
      worker_id: deps.workerId,
      task_queue: deps.hostTaskQueue,
      token: lease.token,
      expires_at: lease.expires_at,
      ...(traceUrl && trace.isSpanContextValid(span.spanContext()) && { trace_url: traceUrl }),
    };
  };
  return {
    /** `input`: the run's input, checked first (absent in runs recorded before the worker checked it). */
    acquireLease({ job, input }: { job: JobRef; input?: CheckedRunInput }): Promise<LeaseGrant> {
      return stepSpan('mlx.lease.acquire', job, deps.workerId, async (span) => {
        if (input) checkRunInput(deps, input);
        // The profile's browser lingers here after its last job: this job takes it over, or it is stopped.
        const warm = input && (await takeOverLingering(deps, input.spec));
        if (warm) {
          span.setAttributes({ 'mlx.lease.token': warm.token, 'mlx.profile.handed_over': true });
          return grantOf(warm, span);
        }
        // Slots a job no longer needs (its run closed, its lease gone) are given back by the reaper.
        const slot = deps.slots.take({ job_id: job.job_id, profile_id: job.profile_id, ...currentRun() });
        if (slot === 'full' || slot === 'draining') {
          span.setAttribute('mlx.worker.at_capacity', true);
          throw failure(
            'WorkerAtCapacity',
            slot === 'draining'
              ? `worker ${deps.workerId} is shutting down and takes no new jobs`
              : `worker ${deps.workerId} has ${deps.slots.max} profiles open (MLX_MAX_OPEN_PROFILES)`,
            {
              details: { worker_id: deps.workerId, max_open_profiles: deps.slots.max },
              nextRetryDelayMs: CAPACITY_RETRY_DELAY_MS,
            },
          );
        }
        const owner = { worker_id: deps.workerId, job_id: job.job_id };
        const lease = await deps.leases
          .acquire(job.profile_id, owner, deps.leaseTtlMs)
          .catch((err: unknown) => {
            if (slot === 'taken') deps.slots.free(job.job_id);
            throw err;
          });
        if (!lease) {
          if (slot === 'taken') deps.slots.free(job.job_id);
          const holder = await deps.leases.get(job.profile_id);
          throw failure('ProfileLeased', `profile ${job.profile_id} is leased by another job`, {
            details: { holder_job_id: holder?.job_id, holder_worker_id: holder?.worker_id },
          });
        }
        deps.slots.leased(job.job_id, lease.token);
        await makeRoomForStart(deps, job.profile_id);
        span.setAttribute('mlx.lease.token', lease.token);
        deps.log.info('lease acquired', {
          job_id: job.job_id,
          profile_id: job.profile_id,
          token: lease.token,
          open_slots: deps.slots.max - deps.slots.holders().length,
        });
        return grantOf(lease, span);
      });
    },

    /**
     * Where the profile's browser lingers after its last job, if it does: that host's queue (of the jobs'
     * queue `task_queue`), where the job leases it so the host can hand the browser over. A local
     * activity: one read of the lease store.
     */
    async findWarmHost(input: {
      profile_id: string;
      task_queue: string;
    }): Promise<{ worker_id?: string; task_queue?: string }> {
      const lease = await deps.leases.get(input.profile_id).catch(() => undefined);
      if (!lease || !isLingering(lease)) return {};
      return { worker_id: lease.worker_id, task_queue: hostTaskQueue(input.task_queue, lease.worker_id) };
    },

    /**
     * Gives the profile back: its lease (when the job holds one the reaper does not keep) and then its
     * turn, so the next job in the profile's line finds the lease free. One local activity for both.
     */
    releaseLease({ job, token }: { job: JobRef; token?: number }): Promise<{ released: boolean }> {
      return stepSpan('mlx.lease.release', job, deps.workerId, async (span) => {
        try {
          if (token === undefined) return { released: false };
          const released = await deps.leases.release(job.profile_id, token);
          span.setAttribute('mlx.lease.released', released);
          deps.log.info('lease released', {
            job_id: job.job_id,
            profile_id: job.profile_id,
            token,
            released,
          });
          return { released };
        } finally {
          await giveBackTurn?.({ profile_id: job.profile_id, run: currentRun() });
        }
      });
    },
  };
}
