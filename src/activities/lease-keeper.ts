import { Context } from '@temporalio/activity';
import type { ApplicationFailure } from '@temporalio/common';
import { failure } from '../contract';
import type { Logger } from '../telemetry';
import type { ActivityDeps } from './deps';

const MIN_INTERVAL_MS = 1000;

export interface LeaseKeeper {
  stop(): void;
}

/**
 * While a host step runs, heartbeats and renews the job's profile lease on one timer, every third of the
 * shorter of the lease TTL and the heartbeat timeout. When a renewal finds the lease gone, `onLost` is
 * called once with a ProfileLeased failure.
 */
export function keepLease(
  deps: Pick<ActivityDeps, 'leases' | 'leaseTtlMs'>,
  lease: { profile_id: string; token: number },
  options: { log: Logger; onLost: (err: ApplicationFailure) => void; details?: () => unknown },
): LeaseKeeper {
  const activity = Context.current();
  let lost = false;
  const renew = async () => {
    const held = await deps.leases.extend(lease.profile_id, lease.token, deps.leaseTtlMs);
    if (!held && !lost) {
      lost = true;
      options.onLost(
        failure('ProfileLeased', `lease on profile ${lease.profile_id} was lost during the step`),
      );
    }
  };
  const intervalMs = Math.max(
    MIN_INTERVAL_MS,
    Math.min(activity.info.heartbeatTimeoutMs ?? Infinity, deps.leaseTtlMs) / 3,
  );
  const timer = setInterval(() => {
    activity.heartbeat(options.details?.());
    renew().catch((err: unknown) => options.log.warn('lease renewal failed', { error: err }));
  }, intervalMs);
  return { stop: () => clearInterval(timer) };
}
