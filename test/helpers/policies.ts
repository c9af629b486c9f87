import { type StepPolicies } from '../../src/contract';
import type { EgressPolicy } from '../../src/webhooks';
import { DEFAULT_STEP_POLICIES } from '../../src/policies';

/** The default policies with short intervals, so retries in tests take milliseconds, not minutes. */
export function fastPolicies(overrides: Partial<StepPolicies> = {}): StepPolicies {
  const fast = Object.fromEntries(
    Object.entries(DEFAULT_STEP_POLICIES).map(([step, policy]) => [
      step,
      {
        ...policy,
        schedule_to_close_ms: policy.schedule_to_close_ms && Math.min(policy.schedule_to_close_ms, 60_000),
        heartbeat_ms: policy.heartbeat_ms && 5_000,
        retry: { ...policy.retry, initial_interval_ms: 100, maximum_interval_ms: 500, maximum_attempts: 2 },
      },
    ]),
  ) as StepPolicies;
  return { ...fast, ...overrides };
}

/** Callbacks to loopback over http on any port: the test receivers, each on a port of its own. */
export const LOOPBACK_EGRESS: EgressPolicy = {
  allowHosts: [{ host: '127.0.0.1', port: '*' }],
  allowHostsByClient: new Map(),
};
