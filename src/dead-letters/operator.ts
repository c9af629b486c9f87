import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import {
  deadLetterQuery,
  DiscardRequestSchema,
  parseDeadLetterRequest,
  RetryRequestSchema,
  type DeadLetterFilter,
  workflowIdFor,
  SA,
} from '../contract';
import { discardUpdate, retryUpdate } from './desk';

/** One parked job, as the Temporal visibility store sees it (no worker needed to list them). */
export interface DeadLetterSummary {
  job_id: string;
  workflow_id: string;
  run_id: string;
  platform?: string;
  client_id?: string;
  failure_type?: string;
  failed_step?: string;
  started_at: string;
}

/** Parked jobs matching the filter, newest first, at most `limit`. */
export async function listDeadLetters(
  client: Client,
  filter: DeadLetterFilter = {},
  limit = 100,
): Promise<DeadLetterSummary[]> {
  const found: DeadLetterSummary[] = [];
  for await (const execution of client.workflow.list({ query: deadLetterQuery(filter) })) {
    found.push(summarize(execution));
    if (found.length >= limit) break;
  }
  return found;
}

function summarize(execution: WorkflowExecutionInfo): DeadLetterSummary {
  const attributes = execution.typedSearchAttributes;
  return {
    job_id: attributes.get(SA.jobId) ?? execution.workflowId.replace(/^mlx-job-/, ''),
    workflow_id: execution.workflowId,
    run_id: execution.runId,
    platform: attributes.get(SA.platform),
    client_id: attributes.get(SA.clientId),
    failure_type: attributes.get(SA.failureType),
    failed_step: attributes.get(SA.failedStep) || undefined,
    started_at: execution.startTime.toISOString(),
  };
}

/**
 * Asks a parked job to run again (a webhook dead letter: to redeliver its report). Validated here and
 * again by the workflow, which refuses the request, and keeps the job parked, unless it is waiting.
 */
export async function retryDeadLetter(client: Client, jobId: string, request: unknown = {}): Promise<void> {
  const parsed = parseDeadLetterRequest(RetryRequestSchema, request);
  await client.workflow.getHandle(workflowIdFor(jobId)).executeUpdate(retryUpdate, { args: [parsed] });
}

/** Closes a parked job as failed, recording the operator's reason. */
export async function discardDeadLetter(client: Client, jobId: string, reason: string): Promise<void> {
  const parsed = parseDeadLetterRequest(DiscardRequestSchema, { reason });
  await client.workflow.getHandle(workflowIdFor(jobId)).executeUpdate(discardUpdate, { args: [parsed] });
}
