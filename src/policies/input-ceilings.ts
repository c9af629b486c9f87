/**
 * The worker's check of the policies a run's input carries. A client resolves them at submit (its
 * configured policies with the job's own overrides, within the bounds); whoever starts the workflow with
 * plain JSON could send anything instead. No value may exceed what a client with this configuration
 * could have sent: the configured value or the bound on a job's override, whichever is larger. Which
 * failures are not retried, as a job may change it: every type named is one of the taxonomy's, and
 * every type the configured policy lists is kept (a job may add types, never remove one), so a forged
 * input cannot have a refused login or a banned account retried.
 */
import { STEPS, StepPoliciesSchema, formatIssues } from '../contract';
import type { PolicyConfig } from './overrides';
import { errorTypeProblems } from './step-policies';

export function policyInputProblems(value: unknown, { policies, bounds }: PolicyConfig): string[] {
  const parsed = StepPoliciesSchema.safeParse(value);
  if (!parsed.success) return formatIssues(parsed.error, 'policies');
  const problems: string[] = [];
  for (const step of STEPS) {
    const given = parsed.data[step];
    const configured = policies[step];
    const over = (field: string, value: number | undefined, mine: number | undefined, bound: number) => {
      const ceiling = Math.max(mine ?? 0, bound);
      if (value !== undefined && value > ceiling) {
        problems.push(`policies.${step}.${field}: at most ${ceiling} (configured policy or bound)`);
      }
    };
    over(
      'start_to_close_ms',
      given.start_to_close_ms,
      configured.start_to_close_ms,
      bounds.max_start_to_close_ms,
    );
    over('heartbeat_ms', given.heartbeat_ms, configured.heartbeat_ms, bounds.max_start_to_close_ms);
    over(
      'schedule_to_close_ms',
      given.schedule_to_close_ms,
      configured.schedule_to_close_ms,
      bounds.max_schedule_to_close_ms,
    );
    over(
      'schedule_to_start_ms',
      given.schedule_to_start_ms,
      configured.schedule_to_start_ms,
      bounds.max_schedule_to_close_ms,
    );
    over(
      'retry.maximum_interval_ms',
      given.retry.maximum_interval_ms,
      configured.retry.maximum_interval_ms,
      bounds.max_schedule_to_close_ms,
    );
    for (const field of ['schedule_to_close_ms', 'schedule_to_start_ms'] as const) {
      if (configured[field] !== undefined && given[field] === undefined) {
        problems.push(`policies.${step}.${field}: required (the configured policy sets one)`);
      }
    }
    const attempts = given.retry.maximum_attempts;
    if (attempts === 0 && configured.retry.maximum_attempts !== 0) {
      problems.push(`policies.${step}.retry.maximum_attempts: unlimited attempts are not configured`);
    }
    over('retry.maximum_attempts', attempts, configured.retry.maximum_attempts, bounds.max_attempts);
    problems.push(...errorTypeProblems(step, given.retry.non_retryable_error_types, configured));
  }
  return problems;
}
