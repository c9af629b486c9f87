/** The documented default policy of every step, the bounds on a job's own overrides, and merging. */
import {
  isErrorType,
  NON_RETRYABLE_ERROR_TYPES,
  STEPS,
  type RetryPolicy,
  type StepName,
  type StepOverrides,
  type StepPolicies,
  type StepPolicy,
} from '../contract';

/** Limits on what a job may ask for in its own `policies`. */
export interface PolicyBounds {
  max_attempts: number;
  max_start_to_close_ms: number;
  max_schedule_to_close_ms: number;
}

export const DEFAULT_POLICY_BOUNDS: PolicyBounds = {
  max_attempts: 10,
  max_start_to_close_ms: 2 * 60 * 60 * 1000,
  max_schedule_to_close_ms: 24 * 60 * 60 * 1000,
};

/** `base` with `overrides` laid over it, step by step. */
export function mergePolicies(base: StepPolicies, overrides: StepOverrides | undefined): StepPolicies {
  if (!overrides) return base;
  return Object.fromEntries(
    STEPS.map((step) => {
      const over = overrides[step];
      const policy = base[step];
      return [step, over ? { ...policy, ...over, retry: { ...policy.retry, ...over.retry } } : policy];
    }),
  ) as StepPolicies;
}

/**
 * Problems of a job's own overrides against the bounds, each naming the field (`policies.<step>.…`).
 * A job may only tighten what is never retried: its non_retryable_error_types must keep every type the
 * configured policy (`base`) lists, so login and MLX-auth failures are never retried because a spec says so.
 */
export function boundProblems(
  overrides: StepOverrides | undefined,
  bounds: PolicyBounds,
  base: StepPolicies = DEFAULT_STEP_POLICIES,
): string[] {
  const problems: string[] = [];
  for (const step of STEPS) {
    const over = overrides?.[step];
    if (!over) continue;
    const given = over.retry?.non_retryable_error_types;
    if (given) problems.push(...errorTypeProblems(step, given, base[step]));
    if (over.heartbeat_ms !== undefined && over.heartbeat_ms > bounds.max_start_to_close_ms)
      problems.push(
        `policies.${step}.heartbeat_ms: at most ${bounds.max_start_to_close_ms} (configured bound)`,
      );
    if (
      over.schedule_to_start_ms !== undefined &&
      over.schedule_to_start_ms > bounds.max_schedule_to_close_ms
    )
      problems.push(
        `policies.${step}.schedule_to_start_ms: at most ${bounds.max_schedule_to_close_ms} (configured bound)`,
      );
    if (
      over.retry?.maximum_interval_ms !== undefined &&
      over.retry.maximum_interval_ms > bounds.max_schedule_to_close_ms
    )
      problems.push(
        `policies.${step}.retry.maximum_interval_ms: at most ${bounds.max_schedule_to_close_ms} (configured bound)`,
      );
    const check = (field: string, value: number | undefined, max: number) => {
      if (value !== undefined && value > max)
        problems.push(`policies.${step}.${field}: at most ${max} (configured bound)`);
    };
    check('retry.maximum_attempts', over.retry?.maximum_attempts, bounds.max_attempts);
    if (over.retry?.maximum_attempts === 0)
      problems.push(`policies.${step}.retry.maximum_attempts: a job may not ask for unlimited attempts`);
    check('start_to_close_ms', over.start_to_close_ms, bounds.max_start_to_close_ms);
    check('schedule_to_close_ms', over.schedule_to_close_ms, bounds.max_schedule_to_close_ms);
  }
  return problems;
}

/**
 * Problems of the types a step's policy names as not retried, against the configured policy (`base`):
 * every type must be one of the taxonomy's, and every type `base` lists must be kept.
 */
export function errorTypeProblems(step: StepName, given: readonly string[], base: StepPolicy): string[] {
  const field = `policies.${step}.retry.non_retryable_error_types`;
  const dropped = base.retry.non_retryable_error_types.filter((type) => !given.includes(type));
  const unknown = given.filter((type) => !isErrorType(type));
  return [
    ...(dropped.length
      ? [`${field}: a job may add types, not remove them (missing ${dropped.join(', ')})`]
      : []),
    ...(unknown.length ? [`${field}: unknown types ${unknown.join(', ')}`] : []),
  ];
}

const nonRetryable = [...NON_RETRYABLE_ERROR_TYPES];
const retry = (initial: number, maximumAttempts: number, maximumInterval: number): RetryPolicy => ({
  initial_interval_ms: initial,
  backoff_coefficient: 2,
  maximum_interval_ms: maximumInterval,
  maximum_attempts: maximumAttempts,
  non_retryable_error_types: nonRetryable,
});

const SECOND = 1000;
const MINUTE = 60 * SECOND;

/** The documented defaults (README, "Step policies"). */
export const DEFAULT_STEP_POLICIES: StepPolicies = {
  // Waiting is not an attempt: a job waits for its profile's turn in the profile's queue and for a free
  // slot in the acquire queue, without a deadline of its own (the job's deadline_ms, if any, bounds it).
  // What is retried here is a real failure: the lease store down, or a stale lease not yet expired.
  acquireLease: {
    start_to_close_ms: 10 * SECOND,
    retry: retry(SECOND, 0, 10 * SECOND),
  },
  // Host-bound steps carry schedule-to-close, and schedule-to-start (a queue no one polls: the host
  // died), so a dead host is noticed instead of waited on; the workflow then moves the job (host failover).
  // startProfile's attempts are bounded by time, not count: a core download takes minutes
  // (start-retry.ts spaces those attempts and caps proxy failures).
  startProfile: {
    start_to_close_ms: 90 * SECOND,
    schedule_to_close_ms: 10 * MINUTE,
    schedule_to_start_ms: MINUTE,
    retry: retry(2 * SECOND, 0, 30 * SECOND),
  },
  cdpConnect: {
    start_to_close_ms: 30 * SECOND,
    schedule_to_close_ms: 2 * MINUTE,
    schedule_to_start_ms: MINUTE,
    retry: retry(SECOND, 3, 10 * SECOND),
  },
  executeTask: {
    start_to_close_ms: 30 * MINUTE,
    schedule_to_close_ms: 60 * MINUTE,
    schedule_to_start_ms: MINUTE,
    heartbeat_ms: 30 * SECOND,
    retry: retry(5 * SECOND, 3, MINUTE),
  },
  stopProfile: {
    start_to_close_ms: 30 * SECOND,
    schedule_to_close_ms: 3 * MINUTE,
    schedule_to_start_ms: MINUTE,
    retry: retry(SECOND, 5, 10 * SECOND),
  },
  releaseLease: {
    start_to_close_ms: 10 * SECOND,
    schedule_to_close_ms: 5 * MINUTE,
    retry: retry(SECOND, 10, 10 * SECOND),
  },
  postWebhook: {
    start_to_close_ms: 30 * SECOND,
    schedule_to_close_ms: 60 * MINUTE,
    retry: retry(5 * SECOND, 10, 5 * MINUTE),
  },
};
