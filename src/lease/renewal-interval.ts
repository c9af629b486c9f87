/** Renewals never come closer than this, whatever the TTL. */
const MIN_INTERVAL_MS = 100;

/**
 * How often a lease holder renews: every third of the shorter of the lease TTL and the heartbeat timeout
 * (0 or none: the TTL alone), so two renewals can fail before the lease expires.
 */
export function renewalIntervalMs(leaseTtlMs: number, heartbeatTimeoutMs?: number): number {
  return Math.max(MIN_INTERVAL_MS, Math.min(heartbeatTimeoutMs || Infinity, leaseTtlMs) / 3);
}
