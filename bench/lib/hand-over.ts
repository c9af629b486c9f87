/**
 * What scenario 6 reads from a batch of jobs on one profile: the launcher's starts and stops during
 * it, whether the jobs finished in submission order, the time from one job's task to the next's, and
 * which of its targets were met. Pure functions of the jobs' reported steps and the launcher's timeline.
 */
import type { StepRecord } from '../../src/contract';
import type { LauncherEvent } from '../../src/launcher';

/** The window of one step, in ms since the epoch (workflow time), NaN when the job did not report it. */
export function stepWindow(steps: readonly StepRecord[], name: string): { start: number; end: number } {
  const step = steps.find((s) => s.step === name);
  if (!step) return { start: Number.NaN, end: Number.NaN };
  const start = Date.parse(step.started_at);
  return { start, end: start + (step.duration_ms ?? Number.NaN) };
}

/** The launcher's starts and stops of `profileId` at or after `since` (ms since the epoch). */
export function startsAndStops(
  timeline: readonly LauncherEvent[],
  profileId: string,
  since: number,
): { starts: number; stops: number } {
  const mine = timeline.filter((e) => e.profile_id === profileId && e.at >= since);
  return {
    starts: mine.filter((e) => e.event === 'started').length,
    stops: mine.filter((e) => e.event === 'stopped').length,
  };
}

/**
 * Each job's task ended after the task of the job submitted before it, and began after that task
 * ended (one browser, one task at a time): jobs given in submission order.
 */
export function finishedInOrder(jobs: readonly (readonly StepRecord[])[]): boolean {
  const tasks = jobs.map((steps) => stepWindow(steps, 'executeTask'));
  return tasks.every((t, i) => {
    if (!Number.isFinite(t.start) || !Number.isFinite(t.end)) return false;
    return i === 0 || t.start >= tasks[i - 1]!.end;
  });
}

/** One job's task ended → the next job's task began, for each job after the first (submission order). */
export function taskGaps(jobs: readonly (readonly StepRecord[])[]): number[] {
  const tasks = jobs.map((steps) => stepWindow(steps, 'executeTask'));
  return tasks.slice(1).map((t, i) => t.start - tasks[i]!.end);
}

export interface BatchChecks {
  starts: number;
  stops: number;
  inOrder: boolean;
}

/**
 * What must hold of a batch whatever the timings (the hand-over's own guarantees): one start and one
 * stop of the profile in all, and the jobs in submission order. Each failed check as one line.
 */
export function failedChecks(c: BatchChecks): string[] {
  const failed: string[] = [];
  if (c.starts !== 1 || c.stops !== 1) {
    failed.push(`the launcher started the profile ${c.starts} times and stopped it ${c.stops} (not 1 and 1)`);
  }
  if (!c.inOrder) failed.push('the jobs did not finish in submission order');
  return failed;
}
