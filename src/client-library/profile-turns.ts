import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import {
  PROFILE_QUEUE_WORKFLOW,
  profileQueueWorkflowId,
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
