import type { WorkflowExecutionInfo } from '@temporalio/client';
import { jobIdOfWorkflow, SA } from '../contract';

/** Which job a run found by a visibility query is, and whose: read from its search attributes. */
export interface ListedRun {
  job_id: string;
  workflow_id: string;
  run_id: string;
  platform?: string;
  client_id?: string;
}

export function listedRun(execution: WorkflowExecutionInfo): ListedRun {
  const attributes = execution.typedSearchAttributes;
  return {
    job_id: attributes.get(SA.jobId) ?? jobIdOfWorkflow(execution.workflowId),
    workflow_id: execution.workflowId,
    run_id: execution.runId,
    platform: attributes.get(SA.platform),
    client_id: attributes.get(SA.clientId),
  };
}
