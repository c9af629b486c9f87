/** A step that does nothing: what is left of a job's time is orchestration. */
export function step(): Promise<void> {
  return Promise.resolve();
}
