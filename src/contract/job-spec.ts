/**
 * The job contract shared by the client, the workflow and the activities. Workflow-safe: no Node APIs.
 */
import { z } from 'zod';
import { failure } from './failures';
import { StepOverridesSchema } from '../policies/step-policies';
import type { DeadLetterInfo } from './dead-letter';
import type { StepName } from './steps';
import { formatIssues } from './validation';

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]*$/;
export const identifier = (what: string) =>
  z
    .string()
    .min(1, `${what} must not be empty`)
    .max(200, `${what} must be at most 200 characters`)
    .regex(
      ID_PATTERN,
      `${what} may hold letters, digits and . _ : @ - only, starting with a letter or digit`,
    );

export const JobSpecSchema = z.strictObject({
  job_id: identifier('job_id'),
  profile_id: identifier('profile_id'),
  folder_id: identifier('folder_id'),
  platform: z
    .string()
    .regex(/^[a-z][a-z0-9_]{1,63}$/, 'platform must be a lower-case name such as shopee_my or lazada_id'),
  client_id: identifier('client_id'),
  task: z.strictObject({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,63}$/, 'task.name must be a lower-case task name such as sync_orders'),
    input: z.record(z.string(), z.unknown()).default({}),
  }),
  callback_url: z.url({ protocol: /^https?$/, error: 'callback_url must be an http(s) URL' }).optional(),
  headless: z.boolean().optional(),
  /** The job must end within this long of its start, or it fails (JobDeadlineExceeded) and is parked. */
  deadline_ms: z
    .number()
    .int('deadline_ms must be a whole number of milliseconds')
    .min(1_000, 'deadline_ms must be at least 1000')
    .max(7 * 24 * 3600 * 1000, 'deadline_ms must be at most 7 days')
    .optional(),
  /** Per-job changes to step timeouts and retries, within the bounds the operator configured. */
  policies: StepOverridesSchema.optional(),
});

export type JobSpec = z.output<typeof JobSpecSchema>;
export type JobSpecInput = z.input<typeof JobSpecSchema>;

/** Validates a job spec, naming every bad field; throws a JobSpecInvalid failure. */
export function parseJobSpec(value: unknown): JobSpec {
  const parsed = JobSpecSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = formatIssues(parsed.error);
  throw failure('JobSpecInvalid', `invalid job spec: ${problems.join('; ')}`, { details: { problems } });
}

/** Temporal workflow id for a job: the same job_id always maps to the same workflow. */
export function workflowIdFor(jobId: string): string {
  return `mlx-job-${jobId}`;
}

export { STEPS, type StepName } from './steps';

export type StepStatus = 'running' | 'completed' | 'failed' | 'cancelled';

export interface StepRecord {
  step: StepName;
  status: StepStatus;
  started_at: string;
  duration_ms?: number;
  failure_type?: string;
}

/** What the `progress` query returns. */
export interface JobProgress {
  job_id: string;
  /** `dead_letter`: the job could not succeed and waits for an operator's retry or discard. */
  state: 'running' | 'completed' | 'failed' | 'cancelled' | 'dead_letter';
  current_step?: StepName;
  worker_id?: string;
  steps: StepRecord[];
  /** While the job is parked: why, since when, until when. */
  dead_letter?: DeadLetterInfo;
}

export interface JobFailureInfo {
  /** A taxonomy type (ErrorType), or Temporal's own (e.g. Timeout.START_TO_CLOSE, Cancelled). */
  type: string;
  message: string;
  step?: StepName;
  /** What the page showed when a task failed: screenshot path on the worker, URL (no query), title. */
  evidence?: { screenshot?: string; url: string; title: string };
  /** How a dead letter ended without a retry: discarded by an operator (and why), or left to expire. */
  dead_letter?: { outcome: 'discarded' | 'expired'; reason?: string };
}

export interface JobResult {
  job_id: string;
  status: 'completed';
  task: string;
  worker_id: string;
  output: unknown;
  steps: StepRecord[];
}

/** The body POSTed to callback_url. */
export interface WebhookBody {
  job_id: string;
  status: 'completed' | 'failed' | 'cancelled';
  platform: string;
  client_id: string;
  profile_id: string;
  task: string;
  output?: unknown;
  error?: JobFailureInfo;
  workflow_id: string;
  run_id: string;
}
