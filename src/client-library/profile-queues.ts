import type { Client } from '@temporalio/client';
import { PROFILE_QUEUE_WORKFLOW, type ProfileQueueState } from '../contract';
import { queueQuery } from '../workflows';
import { boundedQuery } from './bounded-query';

/** Every profile that has a job holding its turn or waiting for it, from the profiles' queue workflows. */
export async function listProfileQueues(client: Client, limit = 1_000): Promise<ProfileQueueState[]> {
  const queues: ProfileQueueState[] = [];
  const query = `WorkflowType = '${PROFILE_QUEUE_WORKFLOW}' AND ExecutionStatus = 'Running'`;
  for await (const execution of client.workflow.list({ query })) {
    const handle = client.workflow.getHandle(execution.workflowId, execution.runId);
    const state = await boundedQuery(client, () => handle.query(queueQuery));
    if (state && (state.holder || state.waiting.length > 0)) queues.push(state);
    if (queues.length >= limit) break;
  }
  return queues.sort((a, b) => a.profile_id.localeCompare(b.profile_id));
}
