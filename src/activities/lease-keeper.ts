import { Context } from '@temporalio/activity';
import type { ApplicationFailure } from '@temporalio/common';
import { failure } from '../contract';
import { heartbeatIntervalMs } from '../lease';
import type { Logger } from '../telemetry';
import type { ActivityDeps } from './deps';

export interface LeaseKeeper {
  stop(): void;
}

/**
 * While a host step runs, heartbeats, and watches its lease through the host's renewal (which renews it,
 * once per interval, from now until stop). `onLost` is called once, with a LeaseLost failure, when a
 * renewal finds the lease gone (expired or taken over), or when no renewal has been confirmed for two
 * thirds of the TTL (the lease store is unreachable): the holder then stops driving the profile before
 * its lease can expire and pass to someone else (self-fencing).
 */
export function keepLease(
  deps: Pick<ActivityDeps, 'leaseRecords' | 'leaseTtlMs'>,
  lease: { profile_id: string; token: number },
  options: { log: Logger; onLost: (err: ApplicationFailure) => void; details?: () => unknown },
): LeaseKeeper {
  const activity = Context.current();
  const fenceAfterMs = (deps.leaseTtlMs * 2) / 3;
  let confirmedAt = Date.now(); // the caller has just confirmed the lease
  let lost = false;
  let stopped = false;
  const lose = (why: string) => {
    if (lost || stopped) return;
    lost = true;
    options.onLost(
      failure('LeaseLost', `lease on profile ${lease.profile_id} ${why}`, { nonRetryable: true }),
    );
  };
  // The self-fence runs on its own deadline, two thirds of the TTL after the last confirmed renewal was
  // sent, not on the renewal rounds: checked only at a round, it could come up to a whole interval late.
  let fence: NodeJS.Timeout | undefined;
  const armFence = () => {
    clearTimeout(fence);
    fence = setTimeout(
      () => {
        const unconfirmedMs = Date.now() - confirmedAt;
        options.log.warn('lease not renewed in time: stopping this step before the lease can expire', {
          profile_id: lease.profile_id,
          token: lease.token,
          unconfirmed_ms: unconfirmedMs,
          lease_ttl_ms: deps.leaseTtlMs,
        });
        lose(
          `could not be renewed for ${unconfirmedMs} ms (lease store unreachable): stopped driving before it could expire`,
        );
      },
      Math.max(0, confirmedAt + fenceAfterMs - Date.now()),
    );
  };
  armFence();
  const unwatch = deps.leaseRecords.watch(lease, (record) => {
    if (stopped || lost) return;
    if (record.lost) {
      options.log.warn('lease lost during the step: stopping it', {
        profile_id: lease.profile_id,
        token: lease.token,
      });
      lose('was lost during the step (expired or taken over)');
    } else if (record.confirmedAt > confirmedAt) {
      confirmedAt = record.confirmedAt;
      armFence();
    }
  });
  const timer = setInterval(
    () => activity.heartbeat(options.details?.()),
    heartbeatIntervalMs(deps.leaseTtlMs, activity.info.heartbeatTimeoutMs),
  );
  return {
    stop: () => {
      stopped = true;
      unwatch();
      clearInterval(timer);
      clearTimeout(fence);
    },
  };
}

/**
 * Confirms the job still holds its lease under `token` before a host step touches the profile: a retry
 * after the lease was lost must not drive a profile another host may already hold. A lease store that
 * cannot be reached proves nothing either way, so the step does not touch the profile and fails as
 * LeaseLost, as a running step's self-fence does: the job stops the profile and leases it again, and
 * that lease waits for the store (acquireLease's retries) instead of using up this step's attempts.
 */
export async function confirmLease(
  deps: Pick<ActivityDeps, 'leases' | 'leaseTtlMs'>,
  profileId: string,
  token: number,
  step: string,
): Promise<void> {
  let held: boolean;
  try {
    held = await deps.leases.extend(profileId, token, deps.leaseTtlMs);
  } catch (err) {
    throw failure(
      'LeaseLost',
      `the lease on profile ${profileId} could not be confirmed before ${step} (lease store unreachable: ${String(err)})`,
      { nonRetryable: true },
    );
  }
  if (!held) {
    throw failure('LeaseLost', `the lease on profile ${profileId} was lost before ${step}`, {
      nonRetryable: true,
    });
  }
}
