/** The JobSpec: what a client submits, validated before anything runs, and the workflow id it maps to. */
import { z } from 'zod';
import { failure } from './failures';
import { StepOverridesSchema } from './policy-schemas';
import { formatIssues } from './validation';

/**
 * The one id charset, for job, profile, folder and client ids alike: what the launcher's paths, file
 * names (screenshots, profile dirs) and Temporal ids all take as they are.
 */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const identifier = (what: string) =>
  z
    .string()
    .min(1, `${what} must not be empty`)
    .max(128, `${what} must be at most 128 characters`)
    .regex(ID_PATTERN, `${what} may hold letters, digits and . _ - only, starting with a letter or digit`);

/**
 * A job_id takes `:` too and up to 200 characters: Temporal names a scheduled run
 * `<schedule id>-<RFC 3339 time>`, and its job_id is that name. It reaches Temporal ids and screenshot
 * file names (where `:` is an ordinary character), never the launcher.
 */
export const JOB_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;

/** Documented limits (README, JobSpec): well under Temporal's 2 MB payload limit. */
export const SPEC_LIMITS = { specBytes: 256 * 1024, taskInputBytes: 64 * 1024, depth: 16 } as const;

export const JobSpecSchema = z.strictObject({
  job_id: z
    .string()
    .min(1, 'job_id must not be empty')
    .max(200, 'job_id must be at most 200 characters')
    .regex(
      JOB_ID_PATTERN,
      'job_id may hold letters, digits and . _ : - only, starting with a letter or digit',
    ),
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
  callback_url: z
    .url({ protocol: /^https?$/, error: 'callback_url must be an http(s) URL' })
    .max(2048, 'callback_url must be at most 2048 characters')
    .refine(
      (url) => !/^[a-z]+:\/\/[^/?#]*@/i.test(url),
      'callback_url must not carry a user name or password',
    )
    .optional(),
  headless: z.boolean().optional(),
  /** Start the profile's browser afresh, even when the previous job's browser is still open for it. */
  fresh_start: z.boolean().optional(),
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

/** How deep `value` nests, counted up to `limit + 1` without recursion (a 5,000-deep input is cheap). */
function depthOf(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return deepest;
    if (node !== null && typeof node === 'object') {
      for (const child of Object.values(node as Record<string, unknown>)) stack.push([child, depth + 1]);
    }
  }
  return deepest;
}

/** Size and depth problems, checked before the schema so a huge or deep document costs little. */
export function specSizeProblems(value: unknown): string[] {
  if (depthOf(value, SPEC_LIMITS.depth) > SPEC_LIMITS.depth) {
    return [`(root): nests deeper than ${SPEC_LIMITS.depth} levels`];
  }
  const problems: string[] = [];
  const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v) ?? '').length;
  if (bytes(value) > SPEC_LIMITS.specBytes)
    problems.push(`(root): larger than ${SPEC_LIMITS.specBytes} bytes`);
  const input = (value as { task?: { input?: unknown } } | null)?.task?.input;
  if (input !== undefined && bytes(input) > SPEC_LIMITS.taskInputBytes) {
    problems.push(`task.input: larger than ${SPEC_LIMITS.taskInputBytes} bytes`);
  }
  return problems;
}

/** Validates a job spec, naming every bad field; throws a JobSpecInvalid failure. */
export function parseJobSpec(value: unknown): JobSpec {
  const tooBig = specSizeProblems(value);
  if (tooBig.length) {
    throw failure('JobSpecInvalid', `invalid job spec: ${tooBig.join('; ')}`, {
      details: { problems: tooBig },
    });
  }
  const parsed = JobSpecSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = formatIssues(parsed.error);
  throw failure('JobSpecInvalid', `invalid job spec: ${problems.join('; ')}`, { details: { problems } });
}
