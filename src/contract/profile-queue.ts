/** One profile's queue of jobs: who holds the profile's turn and who waits for it, oldest first. */

/** The queue's workflow type and the signals that reach it, by name (the activity that starts it sends them). */
export const PROFILE_QUEUE_WORKFLOW = 'profileQueue';
export const TURN_REQUESTED_SIGNAL = 'turnRequested';
export interface TurnRequest {
  workflow_id: string;
  run_id: string;
  job_id: string;
  /** When the asking run started (ms since epoch): the queue's order. */
  asked_at: number;
}

export interface ProfileQueueState {
  profile_id: string;
  holder?: TurnRequest;
  waiting: TurnRequest[];
}

export const sameRun = (
  a: Pick<TurnRequest, 'workflow_id' | 'run_id'>,
  b: Pick<TurnRequest, 'workflow_id' | 'run_id'>,
) => a.workflow_id === b.workflow_id && a.run_id === b.run_id;
