/**
 * What turns a schedule's template into one run's job: the schedule it belongs to, the run's job_id and
 * the template resolved at the run's scheduled time. Workflow-safe: the client checks templates with the
 * same code the workflow resolves them with.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { JobSpec } from './job-spec';
import { resolveRelativeDates } from './relative-dates';
import { jobSpecs } from './schemas-on-demand';

/** A schedule's part of the workflow input: which schedule started the run, in which time zone. */
export interface ScheduledRun {
  schedule_id: string;
  time_zone: string;
  /** Set once the run resolved its template: the scheduled time it resolved it at (a retried run keeps it). */
  scheduled_at?: string;
}

/** Temporal sets these on every workflow a schedule starts (scheduled, triggered or backfilled). */
export const SCHEDULED_START_TIME = defineSearchAttributeKey(
  'TemporalScheduledStartTime',
  SearchAttributeType.DATETIME,
);
export const SCHEDULED_BY_ID = defineSearchAttributeKey('TemporalScheduledById', SearchAttributeType.KEYWORD);

/** Room a schedule id leaves in a job_id (at most 200 characters) for the scheduled time. */
export const MAX_SCHEDULE_ID_LENGTH = 160;

/** The scheduled time as Temporal appends it to the workflow id: UTC, whole seconds, RFC 3339. */
export function scheduledTimeText(at: Date): string {
  return new Date(Math.floor(at.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * The job_id of the run a schedule takes at `at`: `<schedule id>-<scheduled time>`. Its workflow id is
 * the one Temporal gives the run (`mlx-job-<schedule id>-<scheduled time>`), so one scheduled time is one
 * job, and `mlx-jobs status <job_id>` finds it.
 */
export function scheduledJobId(scheduleId: string, at: Date): string {
  return `${scheduleId}-${scheduledTimeText(at)}`;
}

/**
 * One run's spec from the schedule's template: its own job_id, every relative date in the task input
 * resolved at `at` in `timeZone`, and validated as any JobSpec (throws JobSpecInvalid naming the fields).
 */
export function resolveScheduledSpec(template: JobSpec, run: ScheduledRun, at: Date): JobSpec {
  return jobSpecs().parseJobSpec({
    ...template,
    job_id: scheduledJobId(run.schedule_id, at),
    task: { ...template.task, input: resolveRelativeDates(template.task.input, at, run.time_zone) },
  });
}
