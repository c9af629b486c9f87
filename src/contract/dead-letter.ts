/**
 * The dead-letter contract: what a parked job shows, what an operator may send it, and how parked jobs
 * are found. Workflow-safe: no Node APIs.
 */
import { z } from 'zod';
import { failure } from './failures';
import { identifier, parseJobSpec, type JobSpec } from './job-spec';
import type { JobFailureInfo } from './outcome';
import { quoteVisibility } from './search-attributes';
import { formatIssues } from './validation';

/**
 * `job`: the job itself failed (non-retryable failure, attempts used up, deadline passed); a retry runs it
 * again. `webhook`: the job finished but its report could not be delivered; a retry redelivers the report.
 */
export type DeadLetterKind = 'job' | 'webhook';

export interface DeadLetterInfo {
  kind: DeadLetterKind;
  failure: JobFailureInfo;
  parked_at: string;
  /** When the run gives up waiting for an operator and closes as failed. */
  expires_at: string;
  /** How many times operators retried this job from the dead letter so far. */
  retries: number;
  /** Whether the failure webhook reached the receiver before the job was parked. */
  webhook_delivered?: boolean;
}

const reason = z
  .string()
  .trim()
  .min(1, 'reason must not be empty')
  .max(500, 'reason must be at most 500 characters');

/** `retry` update: run the job again, optionally on another profile or with amended task input. */
export const RetryRequestSchema = z.strictObject({
  profile_id: identifier('profile_id').optional(),
  folder_id: identifier('folder_id').optional(),
  /** Replaces the task input as a whole. */
  task_input: z.record(z.string(), z.unknown()).optional(),
  reason: reason.optional(),
});
export type RetryRequest = z.output<typeof RetryRequestSchema>;

/** `discard` update: close the job as failed, recording why. */
export const DiscardRequestSchema = z.strictObject({ reason });
export type DiscardRequest = z.output<typeof DiscardRequestSchema>;

/** Validates an operator's request, naming every bad field; throws a DeadLetterRequestInvalid failure. */
export function parseDeadLetterRequest<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = formatIssues(parsed.error);
  throw failure('DeadLetterRequestInvalid', `invalid request: ${problems.join('; ')}`, {
    details: { problems },
  });
}

export interface DeadLetterFilter {
  platform?: string;
  clientId?: string;
  failureType?: string;
}

/** The visibility query for parked jobs (what `dlq list` runs; paste it into the Temporal UI too). */
export function deadLetterQuery(filter: DeadLetterFilter = {}): string {
  const clauses = ['MlxDeadLetter = true', "ExecutionStatus = 'Running'"];
  if (filter.platform) clauses.push(`MlxPlatform = ${quoteVisibility(filter.platform)}`);
  if (filter.clientId) clauses.push(`MlxClientId = ${quoteVisibility(filter.clientId)}`);
  if (filter.failureType) clauses.push(`MlxFailureType = ${quoteVisibility(filter.failureType)}`);
  return clauses.join(' AND ');
}

/** The spec a retried job runs with: the operator's amendments applied and validated again. */
export function amendedSpec(spec: JobSpec, request: RetryRequest): JobSpec {
  return parseJobSpec({
    ...spec,
    ...(request.profile_id && { profile_id: request.profile_id }),
    ...(request.folder_id && { folder_id: request.folder_id }),
    ...(request.task_input && { task: { ...spec.task, input: request.task_input } }),
  });
}
