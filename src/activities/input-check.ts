import { checkSpecShape } from '../client-library/check-spec';
import { failure, type RunJobInput } from '../contract';
import { DEFAULT_POLICY_BOUNDS, DEFAULT_STEP_POLICIES, policyInputProblems } from '../policies';
import type { ActivityDeps } from './deps';

/** What the worker checks of a run's input: what a client resolved at submit. */
export type CheckedRunInput = Pick<
  RunJobInput,
  'spec' | 'policies' | 'dead_letter_retention_ms' | 'dead_letter_retries'
>;

/** The longest a client may have a failed job wait as a dead letter (MLX_DEAD_LETTER_RETENTION_MS's bound). */
const MAX_DEAD_LETTER_RETENTION_MS = 30 * 24 * 3600 * 1000;

/**
 * The worker's own check of a run's input, before anything runs for it: whoever can start a workflow in
 * the namespace can send any JSON, not only what a client checked. The spec goes through the client's
 * check (schema, id charsets, sizes, the job's policies within the bounds), the resolved policies
 * through the same bounds, and the dead-letter fields through theirs. Throws JobSpecInvalid (not
 * retried) naming every bad field. The profile's owner, the credentials and the task's input are the
 * host's to check before it starts the browser (ProfileNotAllowed, CredentialNotAllowed, TaskUnknown),
 * callback_url's target the delivery's (WebhookTargetNotAllowed).
 */
export function checkRunInput(deps: Pick<ActivityDeps, 'policy'>, input: CheckedRunInput): void {
  const policy = deps.policy ?? { policies: DEFAULT_STEP_POLICIES, bounds: DEFAULT_POLICY_BOUNDS };
  const problems = [
    ...(checkSpecShape(input.spec, policy).problems ?? []),
    ...policyInputProblems(input.policies, policy),
    ...countProblems(
      'dead_letter_retention_ms',
      input.dead_letter_retention_ms,
      MAX_DEAD_LETTER_RETENTION_MS,
    ),
    ...countProblems('dead_letter_retries', input.dead_letter_retries, Number.MAX_SAFE_INTEGER),
  ];
  if (problems.length) {
    throw failure('JobSpecInvalid', `the worker refused the run's input: ${problems.join('; ')}`, {
      details: { problems },
      nonRetryable: true,
    });
  }
}

function countProblems(field: string, value: unknown, max: number): string[] {
  if (value === undefined) return [];
  return Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= max
    ? []
    : [`${field}: a whole number from 0 to ${max}`];
}
