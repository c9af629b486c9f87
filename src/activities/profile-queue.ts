import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import {
  PROFILE_QUEUE_WORKFLOW,
  profileQueueWorkflowId,
  TURN_REQUESTED_SIGNAL,
  type ProfileQueueState,
  type TurnRequest,
} from '../contract';
import type { RunRef } from '../host';

/**
 * The local activities of same-profile waiting: a job asks its profile's queue for a turn (the queue is
 * started when it is not running), and the queue checks whether a holder that went silent is still open.
 */
export function profileQueueActivities(temporal: Pick<Client, 'workflow'>) {
  return {
    async requestProfileTurn(input: { profile_id: string; task_queue: string; request: TurnRequest }) {
      const empty: ProfileQueueState = { profile_id: input.profile_id, waiting: [] };
      await temporal.workflow.signalWithStart(PROFILE_QUEUE_WORKFLOW, {
        workflowId: profileQueueWorkflowId(input.profile_id),
        taskQueue: input.task_queue,
        args: [empty],
        signal: TURN_REQUESTED_SIGNAL,
        signalArgs: [input.request],
      });
    },

    async runIsOpen(run: RunRef): Promise<boolean> {
      const open = await runIsOpen(temporal, run);
      if (open === undefined) throw new Error(`could not ask Temporal whether ${run.workflow_id} is open`);
      return open;
    },
  };
}

/** Whether a run is still open; undefined when Temporal could not be asked. */
export async function runIsOpen(
  temporal: Pick<Client, 'workflow'>,
  run: RunRef,
): Promise<boolean | undefined> {
  try {
    const { status } = await temporal.workflow.getHandle(run.workflow_id, run.run_id).describe();
    return status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    return undefined;
  }
}
