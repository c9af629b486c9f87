import {
  WithStartWorkflowOperation,
  WorkflowNotFoundError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import {
  PROFILE_QUEUE_WORKFLOW,
  profileQueueWorkflowId,
  TURN_GRANTED_SIGNAL,
  TURN_RELEASED_SIGNAL,
  TURN_REQUEST_UPDATE,
  turnsTaskQueue,
  type ProfileQueueState,
  type TurnAnswer,
  type TurnRequest,
} from '../contract';

/**
 * Puts a run in its profile's queue (starting the queue when it is not running) and returns the queue's
 * answer: the turn now, or how many are ahead. Asking again for the same run changes nothing. The
 * client asks as it submits, so turns follow the order of submission; the job asks again itself.
 * `task_queue` is the jobs' queue; the queue workflow runs on its `-turns` companion.
 */
export async function askForTurn(
  client: Pick<Client, 'workflow'>,
  input: { profile_id: string; task_queue: string; request: TurnRequest },
): Promise<TurnAnswer> {
  const empty: ProfileQueueState = { profile_id: input.profile_id, waiting: [] };
  const startWorkflowOperation = new WithStartWorkflowOperation(PROFILE_QUEUE_WORKFLOW, {
    workflowId: profileQueueWorkflowId(input.profile_id),
    taskQueue: turnsTaskQueue(input.task_queue),
    args: [empty],
    workflowIdConflictPolicy: 'USE_EXISTING',
    // Its tasks are tiny; one that outlives the default 10 s only does so on a starved worker, and
    // failing it then would refuse every turn request until the retry: give it room instead.
    workflowTaskTimeout: '30 seconds',
  });
  return client.workflow.executeUpdateWithStart<() => Promise<void>, TurnAnswer, [TurnRequest]>(
    TURN_REQUEST_UPDATE,
    { args: [input.request], startWorkflowOperation },
  );
}

/** The run a turn belongs to. */
type TurnRun = Pick<TurnRequest, 'workflow_id' | 'run_id'>;

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
 * Gives a run's turn back (or takes it out of the queue while it waits). A queue that is not running
 * holds nobody, so there is nothing to give back; giving back twice changes nothing.
 */
export async function releaseTurn(
  client: Pick<Client, 'workflow'>,
  input: { profile_id: string; request: TurnRun },
): Promise<void> {
  const { workflow_id, run_id } = input.request;
  const queue = client.workflow.getHandle(profileQueueWorkflowId(input.profile_id));
  await signalIfRunning(queue, TURN_RELEASED_SIGNAL, { workflow_id, run_id } satisfies TurnRun);
}

/** Tells a waiting run that its turn came; false when that run is gone (it closed while it waited). */
export function grantTurn(client: Pick<Client, 'workflow'>, run: TurnRun): Promise<boolean> {
  return signalIfRunning(client.workflow.getHandle(run.workflow_id, run.run_id), TURN_GRANTED_SIGNAL);
}
