/**
 * The shape of a step policy (timeouts and retry), as the JobSpec's `policies`, the policy file and the
 * workflow input carry it. The values (defaults, bounds) live in src/policies.
 */
import { z } from 'zod';
import { STEPS, type StepName } from './steps';

/** Any duration a policy may name: at most 30 days, so `1e15` is refused where it is written. */
const MAX_MS = 30 * 24 * 60 * 60 * 1000;
const ms = z.number().int().positive().max(MAX_MS, `must be at most ${MAX_MS} (30 days)`);

export const RetrySchema = z.strictObject({
  initial_interval_ms: ms,
  backoff_coefficient: z.number().min(1).max(10, 'must be at most 10'),
  maximum_interval_ms: ms,
  /** 0 means unlimited (bounded by schedule_to_close_ms). */
  maximum_attempts: z.number().int().min(0).max(1_000),
  non_retryable_error_types: z.array(z.string().max(64)).max(64),
});

export type RetryPolicy = z.output<typeof RetrySchema>;

export const StepPolicySchema = z.strictObject({
  start_to_close_ms: ms,
  schedule_to_close_ms: ms.optional(),
  /** Per attempt, not retried: how long a step may wait for its worker to pick it up (a dead host). */
  schedule_to_start_ms: ms.optional(),
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

/** A partial step policy: what a configuration file, a variable or a job may change. */
export const StepOverrideSchema = z.strictObject({
  start_to_close_ms: ms.optional(),
  schedule_to_close_ms: ms.optional(),
  schedule_to_start_ms: ms.optional(),
  heartbeat_ms: ms.optional(),
  retry: RetrySchema.partial().optional(),
});
export type StepOverride = z.output<typeof StepOverrideSchema>;

export const StepOverridesSchema = z.strictObject(
  Object.fromEntries(STEPS.map((step) => [step, StepOverrideSchema.optional()])) as Record<
    StepName,
    z.ZodOptional<typeof StepOverrideSchema>
  >,
);
export type StepOverrides = z.output<typeof StepOverridesSchema>;
