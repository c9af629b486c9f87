/**
 * A schedule definition, as `mlx-jobs schedule create` reads it: when to run (cron or calendars, in a
 * time zone, with optional jitter), what to do when the previous run is still open, how late a missed
 * run may still start, and the JobSpec template each run is made from.
 */
import { z } from 'zod';
import { DAYS_OF_WEEK, MONTHS } from '@temporalio/client';
import {
  formatIssues,
  identifier,
  isTimeZone,
  MAX_SCHEDULE_ID_LENGTH,
  resolveRelativeDates,
  scheduledJobId,
  type JobSpec,
} from '../contract';
import { checkSpec, type SpecChecks } from './check-spec';
import { cronProblem } from './cron';

export const OVERLAP_POLICIES = [
  'skip',
  'buffer_one',
  'buffer_all',
  'cancel_other',
  'terminate_other',
  'allow_all',
] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

const DAY_MS = 24 * 3600 * 1000;
const range = (min: number, max: number) => z.number().int().min(min).max(max);
const field = <T extends z.ZodType>(one: T) => z.union([one, z.array(one).min(1), z.literal('*')]);

const CalendarSchema = z.strictObject({
  minute: field(range(0, 59)).optional(),
  hour: field(range(0, 23)).optional(),
  day_of_month: field(range(1, 31)).optional(),
  month: field(z.enum(MONTHS)).optional(),
  day_of_week: field(z.enum(DAYS_OF_WEEK)).optional(),
  comment: z.string().max(200).optional(),
});
export type CalendarDefinition = z.output<typeof CalendarSchema>;

/** A schedule's id and time zone, as a definition names them and a scheduled run's input carries them. */
export const ScheduleIdSchema = identifier('schedule_id').max(
  MAX_SCHEDULE_ID_LENGTH,
  `schedule_id must be at most ${MAX_SCHEDULE_ID_LENGTH} characters (the scheduled time is added to it)`,
);
export const TimeZoneSchema = z
  .string()
  .refine(isTimeZone, 'must be an IANA time zone name such as Asia/Kuala_Lumpur or UTC');

const cron = z.string().superRefine((expression, ctx) => {
  const problem = cronProblem(expression);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const ScheduleSpecSchema = z
  .strictObject({
    /** Cron expressions (`0 6 * * *`: 06:00 every day), in `time_zone`. */
    cron: z.union([cron, z.array(cron).min(1)]).optional(),
    /** Calendar times (`{ "hour": 6 }`), in `time_zone`. */
    calendars: z.array(CalendarSchema).min(1).optional(),
    time_zone: TimeZoneSchema,
    /** Each run starts up to this much later, at random (spreads many schedules of the same time). */
    jitter_ms: z.number().int().min(0).max(DAY_MS, 'must be at most one day').optional(),
  })
  .refine((spec) => spec.cron !== undefined || spec.calendars !== undefined, {
    path: ['cron'],
    error: 'give cron or calendars (or both)',
  });
export type ScheduleSpecDefinition = z.output<typeof ScheduleSpecSchema>;

export const ScheduleDefinitionSchema = z.strictObject({
  schedule_id: ScheduleIdSchema,
  /** What it is for; shown as the schedule's note in the Temporal UI until it is paused. */
  description: z.string().trim().min(1).max(500).optional(),
  spec: ScheduleSpecSchema,
  /** While the previous run is open: `skip` this one (default), queue one or all, cancel or terminate it, or run both. */
  overlap: z.enum(OVERLAP_POLICIES).default('skip'),
  /** A run missed while Temporal was unavailable still starts if it is at most this late. */
  catchup_window_ms: z
    .number()
    .int()
    .min(10_000, 'must be at least 10000 (Temporal’s minimum)')
    .max(365 * DAY_MS, 'must be at most one year')
    .default(DAY_MS),
  /** Create it paused (runs start only after `schedule unpause`, or by trigger and backfill). */
  paused: z.boolean().default(false),
  /** The JobSpec of every run, without `job_id` (each run's is `<schedule_id>-<scheduled time>`). */
  template: z.record(z.string(), z.unknown()),
});
export type ScheduleDefinition = z.output<typeof ScheduleDefinitionSchema>;

export type DefinitionCheck =
  | { definition: ScheduleDefinition; template: JobSpec; problems?: undefined }
  | { definition?: undefined; template?: undefined; problems: string[] };

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * A definition and its template checked whole, every problem naming its field. The template is checked
 * as the spec of a run at `now` (its job_id set, its relative dates resolved), the way every run will
 * be, with the same checks as startJob (checkSpec). Returns the template as the schedule stores it.
 */
export function checkScheduleDefinition(
  value: unknown,
  checks: SpecChecks = {},
  now = new Date(),
): DefinitionCheck {
  const parsed = ScheduleDefinitionSchema.safeParse(value);
  const problems = parsed.success ? [] : formatIssues(parsed.error);
  const template = isObject(value) ? value.template : undefined;
  if (!isObject(template)) return { problems };
  if ('job_id' in template) {
    problems.push('template.job_id: leave it out: each run’s job_id is <schedule_id>-<scheduled time>');
  }
  const run = {
    schedule_id: parsed.data?.schedule_id ?? 'schedule',
    time_zone: parsed.data?.spec.time_zone ?? 'UTC',
  };
  const task = isObject(template.task) ? template.task : undefined;
  const input = task?.input ?? {};
  const sample = checkSpec(
    {
      ...template,
      job_id: scheduledJobId(run.schedule_id, now),
      ...(task && { task: { ...task, input: resolveRelativeDates(input, now, run.time_zone) } }),
    },
    checks,
  );
  if (sample.problems) {
    // A bad job_id can only come from a bad schedule_id, which is reported as such.
    problems.push(...sample.problems.filter((p) => !p.startsWith('job_id:')).map((p) => `template.${p}`));
  }
  if (!parsed.success || !sample.spec || problems.length) return { problems };
  const stored = { ...sample.spec, job_id: run.schedule_id, task: { ...sample.spec.task, input } };
  return { definition: parsed.data, template: stored as JobSpec };
}

/** One line saying what a schedule runs, for its note, its memo and each run's summary in the UI. */
export function scheduleSummary(template: JobSpec, timeZone: string): string {
  return `${template.task.name} for client ${template.client_id} on ${template.platform} (profile ${template.profile_id}); dates in ${timeZone}`;
}
