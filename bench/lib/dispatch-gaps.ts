import type { Client } from '@temporalio/client';
import { eventTimeMs, type HistoryEvent } from '../../test/helpers/history';
import { summarize, type Summary } from './stats';

/** One task of a run: how long it waited between being scheduled and a worker starting it. */
export interface TaskGap {
  kind: 'workflow task' | 'activity task';
  /** The activity type, or "workflow task". */
  name: string;
  gapMs: number;
  /** A workflow task's started → completed: the worker's time on it (absent if it failed or timed out). */
  runMs?: number;
}

/** Every workflow and activity task of one run, from its history (local activities are not tasks). */
export async function dispatchGaps(client: Client, workflowId: string, runId?: string): Promise<TaskGap[]> {
  const events = (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
  return gapsOf(events);
}

export function gapsOf(events: readonly HistoryEvent[]): TaskGap[] {
  const byId = new Map(events.map((e) => [String(e.eventId), e]));
  const completedAt = new Map(
    events.flatMap((e) => {
      const started = e.workflowTaskCompletedEventAttributes?.startedEventId;
      return started ? [[String(started), eventTimeMs(e.eventTime)] as const] : [];
    }),
  );
  const gaps: TaskGap[] = [];
  for (const e of events) {
    const activity = e.activityTaskStartedEventAttributes;
    const workflow = e.workflowTaskStartedEventAttributes;
    const scheduled = byId.get(String(activity?.scheduledEventId ?? workflow?.scheduledEventId ?? ''));
    if (!scheduled) continue;
    const gapMs = eventTimeMs(e.eventTime) - eventTimeMs(scheduled.eventTime);
    if (activity) {
      const name = scheduled.activityTaskScheduledEventAttributes?.activityType?.name ?? 'activity';
      gaps.push({ kind: 'activity task', name, gapMs });
    } else {
      const completed = completedAt.get(String(e.eventId));
      const runMs = completed === undefined ? undefined : completed - eventTimeMs(e.eventTime);
      gaps.push({ kind: 'workflow task', name: 'workflow task', gapMs, runMs });
    }
  }
  return gaps;
}

export interface GapReport {
  /** Per kind (workflow task, activity task) and per activity type. */
  byKind: Record<string, Summary>;
  byName: Record<string, Summary>;
  /** Tasks per run, median: how many round trips a run makes. */
  tasksPerRun: number;
  /** Sum of a run's gaps, median: the time a run spends waiting for dispatch. */
  waitPerRunMs: Summary;
  /** Sum of a run's workflow tasks' started → completed, median: the worker's time on them. */
  workflowTaskRunPerRunMs: Summary;
}

export function reportGaps(runs: readonly TaskGap[][]): GapReport {
  const group = (key: (g: TaskGap) => string) => {
    const groups: Record<string, number[]> = {};
    for (const gap of runs.flat()) (groups[key(gap)] ??= []).push(gap.gapMs);
    return Object.fromEntries(Object.entries(groups).map(([k, v]) => [k, summarize(v)]));
  };
  return {
    byKind: group((g) => g.kind),
    byName: group((g) => g.name),
    tasksPerRun: summarize(runs.map((r) => r.length)).median,
    waitPerRunMs: summarize(runs.map((r) => r.reduce((sum, g) => sum + g.gapMs, 0))),
    workflowTaskRunPerRunMs: summarize(runs.map((r) => r.reduce((sum, g) => sum + (g.runMs ?? 0), 0))),
  };
}
