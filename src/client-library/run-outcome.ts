import {
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionInfo,
  type WorkflowExecutionStatusName,
} from '@temporalio/client';
import { SA, workflowIdFor } from '../contract';
import { forEachConcurrently } from './concurrency';

/** Where a job is, as far as one describe call tells (no query, no result fetched). */
export type RunState = 'running' | 'completed' | 'failed' | 'cancelled' | 'parked' | 'missing';

export interface RunOutcome {
  state: RunState;
  status?: WorkflowExecutionStatusName;
  /** Of a parked job (the search attribute the dead-letter path sets). */
  failure_type?: string;
  run_id?: string;
  /** The job's trace, from the run's memo. */
  trace_id?: string;
}

/** The state of a run from its execution info (describe or list): parked is open with MlxDeadLetter. */
export function runOutcome(
  info: Pick<WorkflowExecutionInfo, 'status' | 'runId' | 'memo' | 'typedSearchAttributes'>,
): RunOutcome {
  const status = info.status.name;
  const parked = status === 'RUNNING' && info.typedSearchAttributes.get(SA.deadLetter) === true;
  const state: RunState =
    status === 'RUNNING' || status === 'PAUSED'
      ? parked
        ? 'parked'
        : 'running'
      : status === 'COMPLETED'
        ? 'completed'
        : status === 'CANCELLED'
          ? 'cancelled'
          : 'failed';
  const failureType = parked ? info.typedSearchAttributes.get(SA.failureType) : undefined;
  const traceId = info.memo?.trace_id;
  return {
    state,
    status,
    run_id: info.runId,
    ...(failureType && { failure_type: failureType }),
    ...(typeof traceId === 'string' && { trace_id: traceId }),
  };
}

/** The latest run of a job (a retried dead letter continues as new), or `missing`. */
export async function describeJobRun(client: Client, jobId: string): Promise<RunOutcome> {
  try {
    return runOutcome(await client.workflow.getHandle(workflowIdFor(jobId)).describe());
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { state: 'missing' };
    throw err;
  }
}

export type BatchTally = Record<Exclude<RunState, 'missing'>, number> & { total: number };

export interface FollowOptions {
  /** Called after every round with the counts so far. */
  onProgress?: (tally: BatchTally) => void;
  pollIntervalMs?: number;
  /** Describe calls in flight at once (default 16). */
  concurrency?: number;
  signal?: AbortSignal;
}

/** Final: closed, or parked as a dead letter (it waits for an operator, not for time). */
export const isSettled = (state: RunState) => state !== 'running';

/**
 * Follows jobs until every one is closed or parked, one describe per unsettled job a round. Returns
 * each job's outcome by job_id and the counts.
 */
export async function followJobs(
  client: Client,
  jobIds: readonly string[],
  options: FollowOptions = {},
): Promise<{ outcomes: Map<string, RunOutcome>; tally: BatchTally }> {
  const outcomes = new Map<string, RunOutcome>(jobIds.map((id) => [id, { state: 'running' }]));
  for (;;) {
    const open = jobIds.filter((id) => !isSettled(outcomes.get(id)!.state));
    await forEachConcurrently(open, options.concurrency ?? 16, async (id) => {
      // A describe that fails (a blip of the server) leaves the job running until the next round.
      const outcome = await describeJobRun(client, id).catch(() => undefined);
      if (outcome) outcomes.set(id, outcome);
    });
    const tally = tallyOf(outcomes);
    options.onProgress?.(tally);
    if (tally.running === 0 || options.signal?.aborted) return { outcomes, tally };
    await new Promise((resolve) => setTimeout(resolve, options.pollIntervalMs ?? 1000));
  }
}

function tallyOf(outcomes: Map<string, RunOutcome>): BatchTally {
  const tally: BatchTally = {
    total: outcomes.size,
    running: 0,
    completed: 0,
    failed: 0,
    cancelled: 0,
    parked: 0,
  };
  for (const { state } of outcomes.values()) tally[state === 'missing' ? 'failed' : state]++;
  return tally;
}
