/**
 * Catching a schedule up: take the runs of a past period as if that time were passing now. Temporal
 * starts a backfilled time even when a run of that time exists already, so the scheduled times whose
 * run is open or completed are cut out of the request: a run is never started twice.
 */
import type { Client } from '@temporalio/client';
import { google } from '@temporalio/proto';
import { SCHEDULED_START_TIME, identifier, jobIdOfWorkflow, zonedParts } from '../contract';
import { overlapPolicy, type ScheduleMemo } from './schedule-create';
import type { OverlapPolicy } from './schedule-definition';

export interface BackfillOptions {
  /** An instant, or a date (`YYYY-MM-DD`): the start of that day in the schedule's time zone. */
  from: Date | string;
  /** An instant, or a date: the end of that day in the schedule's time zone (inclusive). */
  to: Date | string;
  /** How backfilled runs overlap each other and open runs; default `buffer_all` (one after another). */
  overlap?: OverlapPolicy;
}

export interface BackfillResult {
  schedule_id: string;
  from: string;
  to: string;
  /** Runs of the period that are open or completed: not started again. */
  existed: { job_id: string; status: string }[];
  /** The periods asked of Temporal (the whole period cut around the runs that existed); none if nothing to start. */
  requested: { start: string; end: string }[];
  /** The scheduled times in the requested periods: the runs the backfill starts. */
  to_start: string[];
}

const SECOND = 1000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The first instant of calendar day `date` on the clocks of `timeZone`. */
export function startOfZonedDay(date: string, timeZone: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d);
  const offsetAt = (t: number) => {
    const p = zonedParts(new Date(t), timeZone);
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - t;
  };
  // The zone's offset at that wall time; asked twice in case a DST change lies in between.
  const guess = wall - offsetAt(wall);
  return new Date(wall - offsetAt(guess));
}

function instant(value: Date | string, timeZone: string, end: boolean): Date {
  if (value instanceof Date) return value;
  if (DATE.test(value)) {
    if (!end) return startOfZonedDay(value, timeZone);
    const next = new Date(Date.parse(`${value}T00:00:00Z`) + 24 * 3600 * SECOND).toISOString().slice(0, 10);
    return new Date(startOfZonedDay(next, timeZone).getTime() - 1);
  }
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) {
    throw new Error(`"${value}" is neither a date (YYYY-MM-DD) nor a time (e.g. 2026-11-23T06:00:00Z)`);
  }
  return parsed;
}

/** [from, to] without the given scheduled times: each cut leaves a second on either side. */
export function periodsAround(from: Date, to: Date, taken: readonly Date[]): { start: Date; end: Date }[] {
  const periods: { start: Date; end: Date }[] = [];
  let start = from.getTime();
  for (const t of [...taken].map((d) => d.getTime()).sort((a, b) => a - b)) {
    if (t < start || t > to.getTime()) continue;
    if (t - SECOND >= start) periods.push({ start: new Date(start), end: new Date(t - SECOND) });
    start = t + SECOND;
  }
  if (start <= to.getTime()) periods.push({ start: new Date(start), end: to });
  return periods;
}

/**
 * Backfills the schedule over [from, to], leaving out the scheduled times whose run is open or completed
 * (from the visibility store: wait until a backfill's runs started before backfilling the same period
 * again). Failed, cancelled and terminated runs are taken again.
 */
export async function backfillSchedule(
  client: Client,
  scheduleId: string,
  options: BackfillOptions,
): Promise<BackfillResult> {
  const id = identifier('schedule_id').safeParse(scheduleId);
  if (!id.success) throw new Error(id.error.issues.map((issue) => issue.message).join('; '));
  const handle = client.schedule.getHandle(scheduleId);
  const description = await handle.describe();
  const memo = (description.memo?.mlx_schedule ?? {}) as Partial<ScheduleMemo>;
  const timeZone = memo.spec?.time_zone ?? description.spec.timezone ?? 'UTC';
  const from = instant(options.from, timeZone, false);
  const to = instant(options.to, timeZone, true);
  if (to < from)
    throw new Error(`the period ends (${to.toISOString()}) before it starts (${from.toISOString()})`);

  const query = [
    `TemporalScheduledById = '${scheduleId}'`,
    `TemporalScheduledStartTime >= '${from.toISOString()}'`,
    `TemporalScheduledStartTime <= '${to.toISOString()}'`,
  ].join(' AND ');
  const runs = new Map<string, { at: Date; statuses: string[] }>();
  for await (const run of client.workflow.list({ query })) {
    const at = run.typedSearchAttributes.get(SCHEDULED_START_TIME);
    if (!at) continue;
    const entry = runs.get(run.workflowId) ?? { at, statuses: [] };
    entry.statuses.push(run.status.name);
    runs.set(run.workflowId, entry);
  }
  const existed: { at: Date; job_id: string; status: string }[] = [];
  for (const [workflowId, { at, statuses }] of runs) {
    const status = statuses.find((s) => s === 'RUNNING' || s === 'COMPLETED');
    if (status) existed.push({ at, job_id: jobIdOfWorkflow(workflowId), status });
  }
  existed.sort((a, b) => a.at.getTime() - b.at.getTime());

  const periods = periodsAround(
    from,
    to,
    existed.map((run) => run.at),
  );
  const to_start: string[] = [];
  const timestamp = (ms: number) =>
    google.protobuf.Timestamp.fromObject({ seconds: Math.floor(ms / SECOND), nanos: (ms % SECOND) * 1e6 });
  for (const period of periods) {
    // Temporal's backfill includes its start; listing matching times starts after the time given.
    const { startTime } = await client.workflowService.listScheduleMatchingTimes({
      namespace: client.options.namespace,
      scheduleId,
      startTime: timestamp(period.start.getTime() - 1),
      endTime: timestamp(period.end.getTime()),
    });
    to_start.push(...(startTime ?? []).map((t) => new Date(Number(t.seconds) * SECOND).toISOString()));
  }
  const requested = to_start.length ? periods : [];
  if (requested.length) {
    const overlap = overlapPolicy(options.overlap ?? 'buffer_all');
    await handle.backfill(requested.map(({ start, end }) => ({ start, end, overlap })));
  }
  return {
    schedule_id: scheduleId,
    from: from.toISOString(),
    to: to.toISOString(),
    existed: existed.map(({ job_id, status }) => ({ job_id, status })),
    requested: requested.map(({ start, end }) => ({ start: start.toISOString(), end: end.toISOString() })),
    to_start,
  };
}
