/**
 * Step policies: every rule that decides how long a step may take and how it is retried, in one place.
 * Workflow-safe (the lint rule for workflow code covers this folder).
 *
 * Who owns which part, and why:
 * - the client: the defaults (step-policies.ts), the operator's file and MLX_POLICY_* overrides and the
 *   bounds on a job's own `policies` (overrides.ts). It resolves them at submit and passes the result
 *   to the workflow as input, so a run keeps the policy it started with and the workflow never reads
 *   configuration (determinism);
 * - the workflow: turning a step policy into Temporal activity options (activity-options.ts), and the
 *   fleet rules it applies between attempts: host failover and the capacity wait (fleet.ts);
 * - the worker: rules one retry policy cannot express, applied to a failure before it is thrown
 *   (start-retry.ts, configured by MLX_CORE_DOWNLOADING_RETRY_MS and MLX_PROXY_MAX_ATTEMPTS), and a
 *   receiver's or the MLX API's Retry-After (retry-after.ts), which becomes the failure's next delay.
 * Whether a failure type is retried at all is the taxonomy's `retryable` flag (src/contract/failures.ts),
 * which the defaults turn into every step's non_retryable_error_types.
 */
export * from './activity-options';
export * from './fleet';
export * from './input-ceilings';
export * from './overrides';
export * from './retry-after';
export * from './start-retry';
export * from './step-policies';
