import {
  WorkflowFailedError,
  type Client,
  type WorkflowExecutionInfo,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  deadLetterQuery,
  DiscardRequestSchema,
  failure,
  parseDeadLetterRequest,
  RetryRequestSchema,
  SA,
  workflowIdFor,
  type DeadLetterFilter,
  type JobFailureInfo,
} from '../contract';
import { discardUpdate, retryUpdate } from '../dead-letters';
import { listedRun, type ListedRun } from './listed-run';

/** One parked job, as the Temporal visibility store sees it (no worker needed to list them). */
export interface DeadLetterSummary extends ListedRun {
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
    ...listedRun(execution),
    failure_type: attributes.get(SA.failureType),
    failed_step: attributes.get(SA.failedStep) || undefined,
    started_at: execution.startTime.toISOString(),
  };
}

/** What an operator's retry or discard did. */
export interface OperatorAnswer {
  job_id: string;
  /** The run the command acted on. */
  run_id: string;
  /** `done`: applied now; `already`: that run had been retried or discarded before (a repeated command). */
  outcome: 'done' | 'already';
}

/**
 * Asks a parked job to run again (a webhook dead letter: to redeliver its report). Targets `runId` (the
 * run the operator saw; by default the latest) with an update id of that run, so a repeated command is
 * answered, not applied twice. Validated here and again by the workflow, which refuses the request, and
 * keeps the job parked, unless it is waiting.
 */
export async function retryDeadLetter(
  client: Client,
  jobId: string,
  request: unknown = {},
  options: { runId?: string } = {},
): Promise<OperatorAnswer> {
  const parsed = parseDeadLetterRequest(RetryRequestSchema, request);
  return decide(client, jobId, options.runId, 'retry', (handle, updateId) =>
    handle.executeUpdate(retryUpdate, { args: [parsed], updateId }),
  );
}

/** Closes a parked job as failed, recording the operator's reason; targets a run as retryDeadLetter does. */
export async function discardDeadLetter(
  client: Client,
  jobId: string,
  reason: string,
  options: { runId?: string } = {},
): Promise<OperatorAnswer> {
  const parsed = parseDeadLetterRequest(DiscardRequestSchema, { reason });
  return decide(client, jobId, options.runId, 'discard', (handle, updateId) =>
    handle.executeUpdate(discardUpdate, { args: [parsed], updateId }),
  );
}

type Action = 'retry' | 'discard';

async function decide(
  client: Client,
  jobId: string,
  runId: string | undefined,
  action: Action,
  send: (handle: WorkflowHandle, updateId: string) => Promise<unknown>,
): Promise<OperatorAnswer> {
  const workflowId = workflowIdFor(jobId);
  const description = await client.workflow.getHandle(workflowId, runId).describe();
  const answer = (outcome: OperatorAnswer['outcome']) => ({
    job_id: jobId,
    run_id: description.runId,
    outcome,
  });
  const status = description.status.name;
  if (status !== 'RUNNING') {
    if (await alreadyDecided(client, workflowId, description.runId, status, action)) return answer('already');
    throw failure(
      'DeadLetterRequestInvalid',
      `job ${jobId} is closed (run ${description.runId} ${status.toLowerCase()}): there is nothing to ${action}`,
    );
  }
  await send(client.workflow.getHandle(workflowId, description.runId), `dlq-${action}-${description.runId}`);
  return answer('done');
}

/** A closed run that this action already ended: retried (continued as new) or discarded. */
async function alreadyDecided(
  client: Client,
  workflowId: string,
  runId: string,
  status: string,
  action: Action,
): Promise<boolean> {
  if (action === 'retry') return status === 'CONTINUED_AS_NEW';
  if (status !== 'FAILED') return false;
  const ended = await client.workflow
    .getHandle(workflowId, runId)
    .result()
    .then(
      () => undefined,
      (err: unknown) => err,
    );
  const cause = ended instanceof WorkflowFailedError ? ended.cause : undefined;
  const details =
    cause instanceof ApplicationFailure ? (cause.details?.[0] as JobFailureInfo | undefined) : undefined;
  return details?.dead_letter?.outcome === 'discarded';
}
