import { z } from 'zod';
import {
  ConfigError,
  formatIssues,
  isErrorType,
  STEPS,
  StepOverridesSchema,
  type StepOverrides,
  type StepPolicies,
} from '../contract';
import {
  DEFAULT_POLICY_BOUNDS,
  DEFAULT_STEP_POLICIES,
  mergePolicies,
  type PolicyBounds,
} from './step-policies';

export interface PolicyConfig {
  policies: StepPolicies;
  bounds: PolicyBounds;
}

const PolicyFileSchema = z.strictObject({
  steps: StepOverridesSchema.optional(),
  bounds: z
    .strictObject({
      max_attempts: z.number().int().positive(),
      max_start_to_close_ms: z.number().int().positive(),
      max_schedule_to_close_ms: z.number().int().positive(),
    })
    .partial()
    .optional(),
});

/** MLX_POLICY_<STEP>_<FIELD>, e.g. MLX_POLICY_EXECUTE_TASK_MAXIMUM_ATTEMPTS=5. */
const ENV_FIELDS: Record<string, (value: string) => StepOverrides[keyof StepOverrides]> = {
  START_TO_CLOSE_MS: (v) => ({ start_to_close_ms: Number(v) }),
  SCHEDULE_TO_CLOSE_MS: (v) => ({ schedule_to_close_ms: Number(v) }),
  SCHEDULE_TO_START_MS: (v) => ({ schedule_to_start_ms: Number(v) }),
  HEARTBEAT_MS: (v) => ({ heartbeat_ms: Number(v) }),
  INITIAL_INTERVAL_MS: (v) => ({ retry: { initial_interval_ms: Number(v) } }),
  BACKOFF_COEFFICIENT: (v) => ({ retry: { backoff_coefficient: Number(v) } }),
  MAXIMUM_INTERVAL_MS: (v) => ({ retry: { maximum_interval_ms: Number(v) } }),
  MAXIMUM_ATTEMPTS: (v) => ({ retry: { maximum_attempts: Number(v) } }),
  NON_RETRYABLE_ERROR_TYPES: (v) => ({
    retry: { non_retryable_error_types: v.split(',').map((t) => t.trim()) },
  }),
};

const envStep = (step: string) => step.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

/**
 * The step policies: documented defaults, then MLX_POLICIES_FILE (JSON: {steps, bounds}), then
 * MLX_POLICY_<STEP>_<FIELD> variables. Every value is validated; the first bad one is named.
 */
export function loadPolicyConfig(
  env: Readonly<Record<string, string | undefined>>,
  readText: (path: string) => string,
): PolicyConfig {
  let policies = DEFAULT_STEP_POLICIES;
  let bounds = DEFAULT_POLICY_BOUNDS;
  const file = env.MLX_POLICIES_FILE;
  if (file) {
    const source = `MLX_POLICIES_FILE (${file})`;
    let json: unknown;
    try {
      json = JSON.parse(readText(file));
    } catch (err) {
      throw new ConfigError(`bad setting ${source}: ${(err as Error).message.split('\n')[0]}`);
    }
    const parsed = PolicyFileSchema.safeParse(json);
    if (!parsed.success) throw new ConfigError(`bad setting ${source}: ${formatIssues(parsed.error)[0]}`);
    policies = mergePolicies(policies, parsed.data.steps);
    bounds = { ...bounds, ...parsed.data.bounds };
    checkErrorTypes(policies, source);
  }
  for (const step of STEPS) {
    for (const [field, toOverride] of Object.entries(ENV_FIELDS)) {
      const name = `MLX_POLICY_${envStep(step)}_${field}`;
      const value = env[name];
      if (value === undefined || value === '') continue;
      const parsed = StepOverridesSchema.safeParse({ [step]: toOverride(value) });
      if (!parsed.success) {
        const reason = parsed.error.issues[0]?.message ?? 'invalid';
        throw new ConfigError(`bad setting ${name}: ${reason} (got "${value}")`);
      }
      policies = mergePolicies(policies, parsed.data);
      checkErrorTypes(policies, name);
    }
  }
  const unknown = Object.keys(env).find(
    (name) =>
      name.startsWith('MLX_POLICY_') &&
      !STEPS.some(
        (s) =>
          name.startsWith(`MLX_POLICY_${envStep(s)}_`) &&
          name.slice(`MLX_POLICY_${envStep(s)}_`.length) in ENV_FIELDS,
      ),
  );
  if (unknown) throw new ConfigError(`bad setting ${unknown}: not a known step policy variable`);
  return { policies, bounds };
}

function checkErrorTypes(policies: StepPolicies, source: string): void {
  for (const step of STEPS) {
    const bad = policies[step].retry.non_retryable_error_types.find((type) => !isErrorType(type));
    if (bad) throw new ConfigError(`bad setting ${source}: ${step} names an unknown error type "${bad}"`);
  }
}
