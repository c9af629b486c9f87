import {
  QueryRejectedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import {
  PROFILE_QUEUE_WORKFLOW,
  positionIn,
  profileQueueWorkflowId,
  QUEUE_QUERY,
  TURN_ENQUEUE_SIGNAL,
  TURN_GRANTED_SIGNAL,
  TURN_QUERY,
  TURN_RELEASED_SIGNAL,
  turnsTaskQueue,
  type ProfileQueueState,
  type TurnPosition,
  type TurnRequest,
  type TurnRun,
  type TurnState,
} from '../contract';

type Temporal = Pick<Client, 'workflow'>;

/**
 * Puts a job in its profile's line, starting the profile's queue when it is not running (signal with
 * start: durable once accepted, no limit on how many arrive at once). A job already in line keeps its
 * place. `task_queue` is the jobs' queue; the queue workflow runs on its `-turns` companion.
 */
export async function enqueueTurn(
  client: Temporal,
  input: { profile_id: string; task_queue: string; request: TurnRequest },
): Promise<void> {
  const empty: ProfileQueueState = { profile_id: input.profile_id, waiting: [] };
  await client.workflow.signalWithStart(PROFILE_QUEUE_WORKFLOW, {
    workflowId: profileQueueWorkflowId(input.profile_id),
    taskQueue: turnsTaskQueue(input.task_queue),
    args: [empty],
    signal: TURN_ENQUEUE_SIGNAL,
    signalArgs: [input.request],
    // Its tasks are tiny; one that outlives the default 10 s only does so on a starved worker, and
    // failing it then would hold every turn until the retry: give it room instead.
    workflowTaskTimeout: '30 seconds',
  });
}

/** The profile queue's state; undefined when no queue runs for the profile. */
export async function queueState(
  client: Temporal,
  profileId: string,
): Promise<ProfileQueueState | undefined> {
  try {
    return await client.workflow
      .getHandle(profileQueueWorkflowId(profileId))
      .query<ProfileQueueState>(QUEUE_QUERY);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError || err instanceof QueryRejectedError) return undefined;
    throw err;
  }
}

/**
 * Where a job stands in its profile's line: asked by query, and only when the line lacks it (the
 * client's enqueue failed, a schedule or a dead-letter retry started the run, the queue was reset) does
 * the job join it. Asking again changes nothing.
 */
export async function askTurn(
  client: Temporal,
  input: { profile_id: string; task_queue: string; request: TurnRequest },
): Promise<TurnPosition> {
  const state = await queueState(client, input.profile_id);
  // Known under another run id (a reset run) counts as not known: joining again moves it to this run.
  const position = state && runKnown(state, input.request) && positionIn(state, input.request);
  if (position) return position;
  // Joined by the job itself: the queue signals the turn, even on a free profile.
  await enqueueTurn(client, { ...input, request: { ...input.request, asked_by: 'job' } });
  return { granted: false, ahead: state ? state.waiting.length + (state.holder ? 1 : 0) : 0 };
}

const runKnown = (state: ProfileQueueState, run: TurnRun) =>
  [state.holder, ...state.waiting].some((entry) => entry?.run_id === run.run_id);

/** Signals a workflow; false when it is not running (closed, or never started): there is no one to tell. */
async function signalIfRunning(handle: WorkflowHandle, signal: string, ...args: unknown[]): Promise<boolean> {
  try {
    await handle.signal(signal, ...args);
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/**
 * Gives a job's turn back (or takes it out of the line while it waits). A queue that is not running
 * holds nobody, so there is nothing to give back; giving back twice changes nothing.
 */
export async function releaseTurn(
  client: Temporal,
  input: { profile_id: string; run: TurnRun },
): Promise<void> {
  const queue = client.workflow.getHandle(profileQueueWorkflowId(input.profile_id));
  const { workflow_id, run_id } = input.run;
  await signalIfRunning(queue, TURN_RELEASED_SIGNAL, { workflow_id, run_id } satisfies TurnRun);
}

/**
 * Tells a job that its turn came: the job's current run (a reset run included); false when the job
 * has no open run.
 */
export function grantTurn(client: Temporal, run: TurnRun): Promise<boolean> {
  return signalIfRunning(client.workflow.getHandle(run.workflow_id), TURN_GRANTED_SIGNAL);
}

/**
 * Whether a holder still needs its turn: its job has an open run that has not given the turn back.
 * When Temporal cannot say (the job's workers are down), it is assumed to: a turn is never taken on a
 * guess.
 */
export async function holderNeedsTurn(client: Temporal, holder: TurnRun): Promise<boolean> {
  const handle = client.workflow.getHandle(holder.workflow_id);
  try {
    if ((await handle.describe()).status.name !== 'RUNNING') return false;
    return (await handle.query<TurnState>(TURN_QUERY)) !== 'released';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    return true;
  }
}
