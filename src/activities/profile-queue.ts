import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
// Straight from the file: the library's index reaches the workflows, which name these activities.
import { askTurn, grantTurn, holderNeedsTurn } from '../client-library/profile-turns';
import type { TurnPosition, TurnRequest, TurnRun } from '../contract';
import type { RunRef } from '../host';

type Temporal = Pick<Client, 'workflow' | 'withDeadline'>;

/**
 * The local activities of same-profile waiting, each one round trip to Temporal from here rather than a
 * command of the workflow: a job asks where it stands in its profile's line; the queue tells the next
 * job its turn came and asks a silent holder whether it still needs the profile. (A job gives its turn
 * back in releaseLease.)
 */
export function profileQueueActivities(temporal: Temporal) {
  return {
    askProfileTurn(input: {
      profile_id: string;
      task_queue: string;
      request: TurnRequest;
    }): Promise<TurnPosition> {
      return askTurn(temporal, input);
    },

    /** false: that job has no open run. */
    grantProfileTurn(run: TurnRun): Promise<boolean> {
      return grantTurn(temporal, run);
    },

    holderNeedsTurn(holder: TurnRun): Promise<boolean> {
      return holderNeedsTurn(temporal, holder);
    },
  };
}

/** How long a run check waits for Temporal: the reaper must not hang on a server that does not answer. */
const RUN_CHECK_TIMEOUT_MS = 5_000;

/** Whether a run is still open; undefined when Temporal could not be asked (or did not answer in time). */
export async function runIsOpen(temporal: Temporal, run: RunRef): Promise<boolean | undefined> {
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
