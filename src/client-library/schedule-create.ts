/**
 * Creating schedules from definitions: every definition checked before any is created, then one Temporal
 * Schedule each, whose action starts runJob with the definition's template.
 */
import {
  ScheduleAlreadyRunning,
  type Client,
  type ScheduleOptions,
  type ScheduleOverlapPolicy,
} from '@temporalio/client';
import { jobSearchAttributes, workflowIdFor, type JobSpec, type RunJobInput } from '../contract';
import { runJob } from '../workflows';
import { runJobInput } from './check-spec';
import { forEachConcurrently } from './concurrency';
import type { StartJobOptions } from './jobs';
import type { ReadRecords, RecordProblem } from './records';
import {
  checkScheduleDefinition,
  scheduleSummary,
  type OverlapPolicy,
  type ScheduleDefinition,
  type ScheduleSpecDefinition,
} from './schedule-definition';

/** What a schedule's memo holds, so `list` can say what it runs without decoding its action. */
export interface ScheduleMemo {
  summary: string;
  task: string;
  platform: string;
  client_id: string;
  profile_id: string;
  spec: ScheduleSpecDefinition;
}

export interface ScheduleCreation {
  /** Bad definitions, each with its line and field: when there is any, nothing was created. */
  invalid: RecordProblem[];
  created: string[];
  /** Schedule ids that exist already: left as they are (delete one first to change it). */
  existed: string[];
  /** Definitions Temporal refused (nothing was created for them). */
  errors: { line?: number; schedule_id: string; message: string }[];
}

/**
 * Checks every definition first (field by field, and no schedule_id twice) and creates nothing if any is
 * bad; then creates each schedule. An id that exists is reported in `existed`, not changed.
 */
export async function createSchedules(
  client: Client,
  batch: ReadRecords,
  options: StartJobOptions,
): Promise<ScheduleCreation> {
  const result: ScheduleCreation = { invalid: [...batch.problems], created: [], existed: [], errors: [] };
  const valid: { line?: number; definition: ScheduleDefinition; template: JobSpec }[] = [];
  const lineOf = new Map<string, number | undefined>();
  for (const { line, value } of batch.records) {
    const checked = checkScheduleDefinition(value, options.policy);
    if (checked.problems) {
      result.invalid.push(...checked.problems.map((message) => ({ line, message })));
    } else if (lineOf.has(checked.definition.schedule_id)) {
      const id = checked.definition.schedule_id;
      result.invalid.push({ line, message: `schedule_id: "${id}" is already on line ${lineOf.get(id)}` });
    } else {
      lineOf.set(checked.definition.schedule_id, line);
      valid.push({ line, definition: checked.definition, template: checked.template });
    }
  }
  if (result.invalid.length) return result;
  const order = new Map(valid.map((v, i) => [v.definition.schedule_id, i]));
  const byOrder = (a: string, b: string) => order.get(a)! - order.get(b)!;
  await forEachConcurrently(valid, 4, async ({ line, definition, template }) => {
    try {
      await client.schedule.create(scheduleOptions(definition, template, options));
      result.created.push(definition.schedule_id);
    } catch (err) {
      if (err instanceof ScheduleAlreadyRunning) result.existed.push(definition.schedule_id);
      else result.errors.push({ line, schedule_id: definition.schedule_id, message: (err as Error).message });
    }
  });
  result.created.sort(byOrder);
  result.existed.sort(byOrder);
  return result;
}

export function overlapPolicy(policy: OverlapPolicy): ScheduleOverlapPolicy {
  return policy.toUpperCase() as ScheduleOverlapPolicy;
}

function scheduleOptions(
  definition: ScheduleDefinition,
  template: JobSpec,
  options: StartJobOptions,
): ScheduleOptions {
  const { spec } = definition;
  const summary = definition.description ?? scheduleSummary(template, spec.time_zone);
  const input: RunJobInput = {
    ...runJobInput(template, options),
    schedule: { schedule_id: definition.schedule_id, time_zone: spec.time_zone },
  };
  const memo: ScheduleMemo = {
    summary,
    task: template.task.name,
    platform: template.platform,
    client_id: template.client_id,
    profile_id: template.profile_id,
    spec,
  };
  return {
    scheduleId: definition.schedule_id,
    spec: {
      cronExpressions: spec.cron === undefined ? undefined : [spec.cron].flat(),
      calendars: spec.calendars?.map(({ day_of_month, day_of_week, ...calendar }) => ({
        ...calendar,
        dayOfMonth: day_of_month,
        dayOfWeek: day_of_week,
      })),
      timezone: spec.time_zone,
      jitter: spec.jitter_ms,
    },
    action: {
      type: 'startWorkflow',
      workflowType: runJob,
      taskQueue: options.taskQueue,
      // Temporal appends `-<scheduled time>` to this for each run: the run's job_id follows.
      workflowId: workflowIdFor(definition.schedule_id),
      args: [input],
      typedSearchAttributes: jobSearchAttributes(template),
      staticSummary: summary,
    },
    policies: { overlap: overlapPolicy(definition.overlap), catchupWindow: definition.catchup_window_ms },
    memo: { mlx_schedule: memo },
    state: { paused: definition.paused, note: summary },
  };
}
