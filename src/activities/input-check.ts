import { z } from 'zod';
import { checkSpecShape } from '../client-library/check-spec';
import { ScheduleIdSchema, TimeZoneSchema } from '../client-library/schedule-definition';
import { failure, formatIssues, type RunJobInput } from '../contract';
import { DEFAULT_POLICY_BOUNDS, DEFAULT_STEP_POLICIES, policyInputProblems } from '../policies';
import type { ActivityDeps } from './deps';

/** What the worker checks of a run's input: what a client resolved at submit, and what a run carries on. */
export type CheckedRunInput = Pick<
  RunJobInput,
  'spec' | 'policies' | 'dead_letter_retention_ms' | 'dead_letter_retries' | 'schedule' | 'retried_run'
>;

/** The longest a client may have a failed job wait as a dead letter (MLX_DEAD_LETTER_RETENTION_MS's bound). */
const MAX_DEAD_LETTER_RETENTION_MS = 30 * 24 * 3600 * 1000;

/**
 * What a run carries besides its spec and policies: the schedule that started it (the client's schedule
 * id and time zone; the time its template was resolved at, in the form scheduledTimeText writes), and
 * the job span of the run a dead-letter retry continues from (OpenTelemetry's id forms).
 */
const CarriedSchema = z.object({
  schedule: z
    .object({
      schedule_id: ScheduleIdSchema,
      time_zone: TimeZoneSchema,
      scheduled_at: z.iso.datetime().optional(),
    })
    .optional(),
  retried_run: z
    .object({
      trace_id: z.string().regex(/^[0-9a-f]{32}$/, 'trace_id must be 32 lower-case hex digits'),
      span_id: z.string().regex(/^[0-9a-f]{16}$/, 'span_id must be 16 lower-case hex digits'),
    })
    .optional(),
});

/**
 * The worker's own check of a run's input: whoever can start a workflow in the namespace can send any
 * JSON, not only what a client checked. The spec goes through the client's check (schema, id charsets,
 * sizes, the job's policies within the bounds), the resolved policies through the same bounds and the
 * types that are never retried, the dead-letter fields through theirs, a schedule's and a retry's fields
 * through their forms. Throws JobSpecInvalid (not retried) naming every bad field. The profile's owner,
 * the credentials and the task's input are the host's to check before it starts the browser
 * (ProfileNotAllowed, CredentialNotAllowed, TaskUnknown), callback_url's target the delivery's
 * (WebhookTargetNotAllowed).
 */
export function checkRunInput(deps: Pick<ActivityDeps, 'policy'>, input: unknown): void {
  const policy = deps.policy ?? { policies: DEFAULT_STEP_POLICIES, bounds: DEFAULT_POLICY_BOUNDS };
  const problems = inputProblems(input, policy);
  if (problems.length) {
    throw failure('JobSpecInvalid', `the worker refused the run's input: ${problems.join('; ')}`, {
      details: { problems },
      nonRetryable: true,
    });
  }
}

function inputProblems(input: unknown, policy: Parameters<typeof policyInputProblems>[1]): string[] {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return ['(root): the input must be an object holding spec and policies'];
  }
  const given = input as Partial<Record<keyof CheckedRunInput, unknown>>;
  const carried = CarriedSchema.safeParse(given);
  return [
    ...(checkSpecShape(given.spec, policy).problems ?? []).map(inSpec),
    ...policyInputProblems(given.policies, policy),
    ...countProblems(
      'dead_letter_retention_ms',
      given.dead_letter_retention_ms,
      MAX_DEAD_LETTER_RETENTION_MS,
    ),
    ...countProblems('dead_letter_retries', given.dead_letter_retries, Number.MAX_SAFE_INTEGER),
    ...(carried.success ? [] : formatIssues(carried.error)),
  ];
}

/** A spec's problem as a field of the input: `spec.deadline_ms: …`, `spec: expected object`. */
const inSpec = (problem: string) =>
  problem.startsWith('(root)') ? `spec${problem.slice('(root)'.length)}` : `spec.${problem}`;

function countProblems(field: string, value: unknown, max: number): string[] {
  if (value === undefined) return [];
  return Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= max
    ? []
    : [`${field}: a whole number from 0 to ${max}`];
}

/** The check as a local activity: a run's first step, before it asks for its profile's turn. */
export function inputCheckActivities(deps: Pick<ActivityDeps, 'policy'>) {
  return {
    checkRunInput(input: unknown): Promise<void> {
      checkRunInput(deps, input);
      return Promise.resolve();
    },
  };
}
