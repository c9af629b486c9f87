/** The queue only this worker polls: host-bound steps (the browser lives here) are sent to it. */
export function hostTaskQueue(taskQueue: string, workerId: string): string {
  return `${taskQueue}@${workerId}`;
}
