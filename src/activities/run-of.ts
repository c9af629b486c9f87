import { Context } from '@temporalio/activity';
import type { RunRef } from '../host';

/** The workflow run the current activity belongs to. */
export function currentRun(): RunRef {
  const execution = Context.current().info.workflowExecution;
  // Every activity of this project is a workflow's (no standalone activities).
  return { workflow_id: execution?.workflowId ?? '', run_id: execution?.runId ?? '' };
}
