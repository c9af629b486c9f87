import { ApplicationFailure } from '@temporalio/common';
import { failure, parseJobSpec, type JobSpec, type RunJobInput } from '../contract';
import {
  boundProblems,
  DEFAULT_POLICY_BOUNDS,
  DEFAULT_STEP_POLICIES,
  mergePolicies,
  type PolicyConfig,
} from '../policies';

/** What a client resolves for every job it starts: the configured policies and the dead-letter retention. */
export interface SubmitSettings {
  /** Configured step policies and bounds (Config.policy); the documented defaults when omitted. */
  policy?: PolicyConfig;
  /** How long a job that cannot succeed waits for an operator (Config.deadLetterRetentionMs); 0: never. */
  deadLetterRetentionMs?: number;
}

export type SpecCheck = { spec: JobSpec; problems?: undefined } | { spec?: undefined; problems: string[] };

/**
 * A spec as startJob runs it, or every problem with it, each naming its field: the JobSpec schema
 * (parseJobSpec) first, then the configured bounds on the job's own policies. Starts nothing, so a
 * batch or a schedule template can be checked whole before anything is submitted.
 */
export function checkSpec(value: unknown, policy?: PolicyConfig): SpecCheck {
  let spec: JobSpec;
  try {
    spec = parseJobSpec(value);
  } catch (err) {
    const details = err instanceof ApplicationFailure ? (err.details?.[0] as { problems?: string[] }) : {};
    if (!details?.problems) throw err;
    return { problems: details.problems };
  }
  const problems = boundProblems(spec.policies, (policy ?? defaultPolicy()).bounds);
  return problems.length ? { problems } : { spec };
}

/** checkSpec, throwing JobSpecInvalid (every problem in the message and in its details) instead. */
export function checkedSpec(value: unknown, policy?: PolicyConfig): JobSpec {
  const checked = checkSpec(value, policy);
  if (checked.spec) return checked.spec;
  const { problems } = checked;
  throw failure('JobSpecInvalid', `invalid job spec: ${problems.join('; ')}`, { details: { problems } });
}

/** The workflow input of a checked spec: policies merged for it, the retention the client configured. */
export function runJobInput(spec: JobSpec, settings: SubmitSettings): RunJobInput {
  return {
    spec,
    policies: mergePolicies((settings.policy ?? defaultPolicy()).policies, spec.policies),
    dead_letter_retention_ms: settings.deadLetterRetentionMs ?? 0,
  };
}

function defaultPolicy(): PolicyConfig {
  return { policies: DEFAULT_STEP_POLICIES, bounds: DEFAULT_POLICY_BOUNDS };
}
