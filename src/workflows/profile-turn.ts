import {
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
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
  const queue = getExternalWorkflowHandle(profileQueueWorkflowId(ctx.spec.profile_id));
  const release = () =>
    CancellationScope.nonCancellable(() => queue.signal(turnReleased, request)).catch(() => undefined);
  const answer = await requestProfileTurn({
    profile_id: ctx.spec.profile_id,
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
