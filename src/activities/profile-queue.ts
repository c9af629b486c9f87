import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
// Straight from the file: the library's index reaches the workflows, which name these activities.
import { askForTurn, grantTurn, releaseTurn } from '../client-library/profile-turns';
import type { TurnRequest } from '../contract';
import type { RunRef } from '../host';

/**
 * The local activities of same-profile waiting: a job asks its profile's queue for a turn (the queue is
 * started when it is not running) and gives it back; the queue tells the next job its turn came, and
 * checks whether a holder that went silent is still open.
 */
export function profileQueueActivities(temporal: Pick<Client, 'workflow' | 'withDeadline'>) {
  return {
    /** One round trip: the queue answers at once whether the turn is the job's (a free profile). */
    requestProfileTurn(input: { profile_id: string; task_queue: string; request: TurnRequest }) {
      return askForTurn(temporal, input);
    },

    /** Gives the turn back with a signal from here, not from the workflow: no workflow task follows it. */
    releaseProfileTurn(input: { profile_id: string; request: TurnRequest }) {
      return releaseTurn(temporal, input);
    },

    /** The queue tells the next job its turn came (false: that run is gone), from here for the same reason. */
    grantProfileTurn(run: TurnRequest) {
      return grantTurn(temporal, run);
    },

    async runIsOpen(run: RunRef): Promise<boolean> {
      const open = await runIsOpen(temporal, run);
      if (open === undefined) throw new Error(`could not ask Temporal whether ${run.workflow_id} is open`);
      return open;
    },
  };
}

/** How long a run check waits for Temporal: the reaper must not hang on a server that does not answer. */
const RUN_CHECK_TIMEOUT_MS = 5_000;

/** Whether a run is still open; undefined when Temporal could not be asked (or did not answer in time). */
export async function runIsOpen(
  temporal: Pick<Client, 'workflow' | 'withDeadline'>,
  run: RunRef,
): Promise<boolean | undefined> {
  try {
    const { status } = await temporal.withDeadline(Date.now() + RUN_CHECK_TIMEOUT_MS, () =>
      temporal.workflow.getHandle(run.workflow_id, run.run_id).describe(),
    );
    return status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    return undefined;
  }
}
