/**
 * Recurring jobs on Temporal Schedules: finding, inspecting, pausing, triggering and deleting them. A
 * schedule's action starts the ordinary runJob workflow with the schedule's template; each run resolves
 * the template at its scheduled time (src/workflows/scheduled-run.ts).
 */
import type { Client, ScheduleDescription, ScheduleSummary } from '@temporalio/client';
import { jobIdOfWorkflow, type JobSpec, type RunJobInput } from '../contract';
import { runJob } from '../workflows';
import { forEachConcurrently } from './concurrency';
import { describeJobRun, type RunOutcome } from './run-outcome';
import { overlapPolicy, type ScheduleMemo } from './schedule-create';
import type { OverlapPolicy, ScheduleSpecDefinition } from './schedule-definition';

/** A run a schedule took and how it stands now. */
export interface ScheduledRunOutcome extends RunOutcome {
  job_id: string;
  workflow_id: string;
  /** The time the run was scheduled for (with jitter), and when the schedule took it. */
  scheduled_at: string;
  taken_at: string;
}

export interface ScheduleOverview {
  schedule_id: string;
  summary?: string;
  task?: string;
  platform?: string;
  client_id?: string;
  profile_id?: string;
  spec?: ScheduleSpecDefinition;
  paused: boolean;
  note?: string;
  next_runs: string[];
  last_run?: ScheduledRunOutcome;
}

export interface ScheduleFilter {
  platform?: string;
  clientId?: string;
}

type Listed = Pick<ScheduleSummary, 'scheduleId' | 'memo' | 'state' | 'info'>;

function memoOf(schedule: Pick<ScheduleSummary, 'memo'>): Partial<ScheduleMemo> {
  return schedule.memo?.mlx_schedule ?? {};
}

async function runOutcomeOf(
  client: Client,
  action: ScheduleSummary['info']['recentActions'][number],
): Promise<ScheduledRunOutcome> {
  const { workflowId } = action.action.workflow;
  const job_id = jobIdOfWorkflow(workflowId);
  return {
    job_id,
    workflow_id: workflowId,
    scheduled_at: action.scheduledAt.toISOString(),
    taken_at: action.takenAt.toISOString(),
    ...(await describeJobRun(client, job_id)),
  };
}

async function overviewOf(client: Client, schedule: Listed, withLastRun: boolean): Promise<ScheduleOverview> {
  const memo = memoOf(schedule);
  const last = schedule.info.recentActions.at(-1);
  return {
    schedule_id: schedule.scheduleId,
    ...memo,
    paused: schedule.state.paused,
    note: schedule.state.note,
    next_runs: schedule.info.nextActionTimes.map((t) => t.toISOString()),
    ...(withLastRun && last && { last_run: await runOutcomeOf(client, last) }),
  };
}

/**
 * The schedules that start jobs (those of other workflow types are left out), newest information the
 * visibility store has: next run times and, unless `lastRun` is false, the last run's outcome.
 */
export async function listSchedules(
  client: Client,
  filter: ScheduleFilter = {},
  options: { lastRun?: boolean } = {},
): Promise<ScheduleOverview[]> {
  const matching: ScheduleSummary[] = [];
  for await (const schedule of client.schedule.list()) {
    if (schedule.action?.workflowType !== runJob.name) continue;
    const memo = memoOf(schedule);
    if (filter.platform && memo.platform !== filter.platform) continue;
    if (filter.clientId && memo.client_id !== filter.clientId) continue;
    matching.push(schedule);
  }
  const overviews = new Array<ScheduleOverview>(matching.length);
  await forEachConcurrently(matching, 8, async (schedule, i) => {
    overviews[i] = await overviewOf(client, schedule, options.lastRun ?? true);
  });
  return overviews.sort((a, b) => a.schedule_id.localeCompare(b.schedule_id));
}

export interface ScheduleDetails extends ScheduleOverview {
  overlap: string;
  catchup_window_ms: number;
  /** The JobSpec template every run is made from (without its job_id). */
  template?: Omit<JobSpec, 'job_id'>;
  recent_runs: ScheduledRunOutcome[];
  running: string[];
  runs_taken: number;
  skipped_overlap: number;
  missed_catchup_window: number;
}

export async function describeSchedule(client: Client, scheduleId: string): Promise<ScheduleDetails> {
  const description: ScheduleDescription = await client.schedule.getHandle(scheduleId).describe();
  const { info } = description;
  const recent = await Promise.all(info.recentActions.map((action) => runOutcomeOf(client, action)));
  const input = description.action.args?.[0] as RunJobInput | undefined;
  // The stored template holds the schedule id in place of the job_id each run derives.
  const template =
    input && Object.fromEntries(Object.entries(input.spec).filter(([key]) => key !== 'job_id'));
  return {
    ...(await overviewOf(client, description, false)),
    ...(recent.length && { last_run: recent.at(-1) }),
    overlap: String(description.policies.overlap).toLowerCase(),
    catchup_window_ms: description.policies.catchupWindow,
    ...(template && { template: template as Omit<JobSpec, 'job_id'> }),
    recent_runs: recent,
    running: info.runningActions.map((a) => jobIdOfWorkflow(a.workflow.workflowId)),
    runs_taken: info.numActionsTaken,
    skipped_overlap: info.numActionsSkippedOverlap,
    missed_catchup_window: info.numActionsMissedCatchupWindow,
  };
}

/** Stops the schedule taking runs until unpaused; `reason` becomes its note (shown in the Temporal UI). */
export async function pauseSchedule(client: Client, scheduleId: string, reason: string): Promise<void> {
  await client.schedule.getHandle(scheduleId).pause(reason);
}

/** Takes runs again from the next scheduled time; runs missed while paused are not taken (backfill them). */
export async function unpauseSchedule(client: Client, scheduleId: string, reason?: string): Promise<void> {
  await client.schedule.getHandle(scheduleId).unpause(reason ?? 'unpaused with mlx-jobs');
}

/**
 * Takes one run now, scheduled at this moment (also while paused). By default the schedule's own overlap
 * policy applies, so with `skip` nothing starts while its previous run is open.
 */
export async function triggerSchedule(
  client: Client,
  scheduleId: string,
  overlap?: OverlapPolicy,
): Promise<void> {
  const handle = client.schedule.getHandle(scheduleId);
  const policy = overlap ? overlapPolicy(overlap) : (await handle.describe()).policies.overlap;
  await handle.trigger(policy);
}

/** Deletes the schedule; runs it started are not touched. */
export async function deleteSchedule(client: Client, scheduleId: string): Promise<void> {
  await client.schedule.getHandle(scheduleId).delete();
}
