/** The JobSpec: what a client submits, validated before anything runs, and the workflow id it maps to. */
import { z } from 'zod';
import { failure } from './failures';
import { StepOverridesSchema } from './policy-schemas';
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
