/**
 * Timeouts and retry policy of every step. The client resolves them from configuration and passes them
 * to the workflow as input, so the workflow never reads configuration itself (determinism).
 * Workflow-safe: no Node APIs.
 */
import { z } from 'zod';
import { NON_RETRYABLE_ERROR_TYPES } from './errors';
import { STEPS, type StepName } from './job';

const ms = z.number().int().positive();

export const RetrySchema = z.strictObject({
  initial_interval_ms: ms,
  backoff_coefficient: z.number().min(1),
  maximum_interval_ms: ms,
  /** 0 means unlimited (bounded by schedule_to_close_ms). */
  maximum_attempts: z.number().int().min(0),
  non_retryable_error_types: z.array(z.string()),
});

export const StepPolicySchema = z.strictObject({
  start_to_close_ms: ms,
  schedule_to_close_ms: ms.optional(),
  heartbeat_ms: ms.optional(),
  retry: RetrySchema,
});

export type StepPolicy = z.output<typeof StepPolicySchema>;

export const StepPoliciesSchema = z.strictObject(
  Object.fromEntries(STEPS.map((step) => [step, StepPolicySchema])) as Record<
    StepName,
    typeof StepPolicySchema
  >,
);
export type StepPolicies = z.output<typeof StepPoliciesSchema>;

const nonRetryable = [...NON_RETRYABLE_ERROR_TYPES];
const retry = (
  initial: number,
  maximumAttempts: number,
  maximumInterval: number,
): z.output<typeof RetrySchema> => ({
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
  // A busy profile is normal: wait for it with a long backoff, for up to an hour.
  acquireLease: {
    start_to_close_ms: 10 * SECOND,
    schedule_to_close_ms: 60 * MINUTE,
    retry: retry(2 * SECOND, 0, MINUTE),
  },
  // Host-bound steps carry schedule-to-close so a dead host is noticed instead of waited on forever.
  startProfile: {
    start_to_close_ms: 90 * SECOND,
    schedule_to_close_ms: 10 * MINUTE,
    retry: retry(2 * SECOND, 6, 30 * SECOND),
  },
  cdpConnect: {
    start_to_close_ms: 30 * SECOND,
    schedule_to_close_ms: 2 * MINUTE,
    retry: retry(SECOND, 3, 10 * SECOND),
  },
  executeTask: {
    start_to_close_ms: 30 * MINUTE,
    schedule_to_close_ms: 60 * MINUTE,
    heartbeat_ms: 30 * SECOND,
    retry: retry(5 * SECOND, 3, MINUTE),
  },
  stopProfile: {
    start_to_close_ms: 30 * SECOND,
    schedule_to_close_ms: 3 * MINUTE,
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
