import {
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  patched,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { SharedActivities } from '../activities';
import type { TurnRequest } from '../contract';
import { profileQueueWorkflowId } from '../contract/task-queues';
import type { JobContext } from './job-context';
import { turnGranted, turnReleased } from './profile-queue';

export interface ProfileTurn {
  /** Gives the profile to the next job in its queue. Never throws. */
  release(): Promise<void>;
}

const { requestProfileTurn } = proxyLocalActivities<SharedActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumInterval: '5 seconds' },
});
// Bounded: a release that never lands is made good by the queue itself, which frees a holder whose run
// has closed (its holder check).
const { releaseProfileTurn } = proxyLocalActivities<SharedActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumInterval: '5 seconds', maximumAttempts: 5 },
});

/**
 * Takes this job's turn on its profile: asks the profile's queue (starting it if needed), which answers
 * at once when the profile is free; otherwise waits, costing nothing, for the queue's signal. A cancel or a passed deadline while waiting withdraws from the queue.
 */
export async function takeProfileTurn(ctx: JobContext): Promise<ProfileTurn> {
  let granted = false;
  setHandler(turnGranted, () => {
    granted = true;
  });
  const { workflowId, runId, startTime, taskQueue } = workflowInfo();
  const request: TurnRequest = {
    workflow_id: workflowId,
    run_id: runId,
    job_id: ctx.spec.job_id,
    asked_at: startTime.getTime(),
  };
  const { profile_id } = ctx.spec;
  // Since `turn-released-by-activity` the signal goes from a local activity: a signal the workflow sends
  // itself is recorded as sent in a workflow task of its own, one more per job.
  const release = () =>
    CancellationScope.nonCancellable(() =>
      patched('turn-released-by-activity')
        ? releaseProfileTurn({ profile_id, request })
        : getExternalWorkflowHandle(profileQueueWorkflowId(profile_id)).signal(turnReleased, request),
    ).catch(() => undefined);
  const answer = await requestProfileTurn({
    profile_id,
    task_queue: taskQueue,
    request,
  });
  try {
    if (!answer.granted) await condition(() => granted);
  } catch (err) {
    await release();
    throw err;
  }
  return { release };
}
