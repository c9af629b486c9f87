import { temporal } from '@temporalio/proto';
import { acquireTaskQueue } from '../contract';

type WorkflowService = Pick<temporal.api.workflowservice.v1.WorkflowService, 'describeTaskQueue'>;

/**
 * How many jobs wait for a worker with a free slot now: their acquireLease tasks rest in the acquire
 * queue, which workers poll only while they have room. Temporal counts that backlog itself
 * (approximately, within seconds), so the jobs' own histories need no record of the wait.
 */
export async function jobsWaitingForSlot(
  service: WorkflowService,
  namespace: string,
  taskQueue: string,
): Promise<number> {
  const answer = await service.describeTaskQueue({
    namespace,
    taskQueue: { name: acquireTaskQueue(taskQueue) },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    reportStats: true,
  });
  return Number(answer.stats?.approximateBacklogCount ?? 0);
}
