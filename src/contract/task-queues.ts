/**
 * Where each kind of work goes, by name: the routing rules the workflow and the workers share, and the
 * workflow ids jobs and profile queues are found by.
 * - `<queue>`: workflows, releasing leases, webhooks (any worker);
 * - `<queue>-acquire`: leasing a profile; a worker polls it only while it has a free profile slot, so a
 *   job waiting for room costs nothing while it waits;
 * - `<queue>-turns`: the profiles' queue workflows, on workflow-task slots of their own, so jobs asking
 *   for a turn (each holding a workflow task of its own meanwhile) never crowd out the queues answering;
 * - `<queue>@<worker id>`: the host steps of a job, on the worker whose machine runs its browser.
 */
export function hostTaskQueue(taskQueue: string, workerId: string): string {
  return `${taskQueue}@${workerId}`;
}

export function acquireTaskQueue(taskQueue: string): string {
  return `${taskQueue}-acquire`;
}

export function turnsTaskQueue(taskQueue: string): string {
  return `${taskQueue}-turns`;
}

/** Temporal workflow id for a job: the same job_id always maps to the same workflow. */
export function workflowIdFor(jobId: string): string {
  return `mlx-job-${jobId}`;
}

/** The job_id a job's workflow id holds (`mlx-job-<job_id>`); any other id as it is. */
export function jobIdOfWorkflow(workflowId: string): string {
  const prefix = workflowIdFor('');
  return workflowId.startsWith(prefix) ? workflowId.slice(prefix.length) : workflowId;
}

/** The workflow that hands out one profile's turns, one job at a time, in the order they asked. */
export function profileQueueWorkflowId(profileId: string): string {
  return `mlx-profile-${profileId}`;
}
