/** Renewals and heartbeats never come closer than this, whatever the TTL. */
const MIN_INTERVAL_MS = 100;

/**
 * How often the host renews each lease it holds: every quarter of the TTL. A running step fences itself
 * two thirds of the TTL after the last confirmed renewal, so one renewal may fail and the next still
 * lands before the fence, with a sixth of the TTL to spare for its round trip.
 */
export function renewalIntervalMs(leaseTtlMs: number): number {
  return Math.max(MIN_INTERVAL_MS, leaseTtlMs / 4);
}

/**
 * How often a running host step heartbeats: every third of its heartbeat timeout, or of the lease TTL
 * when that is shorter or the step has none (a cancel reaches an activity only through a heartbeat).
 */
export function heartbeatIntervalMs(leaseTtlMs: number, heartbeatTimeoutMs?: number): number {
  return Math.max(MIN_INTERVAL_MS, Math.min(heartbeatTimeoutMs || Infinity, leaseTtlMs) / 3);
}
