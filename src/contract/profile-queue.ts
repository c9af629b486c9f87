/** One profile's queue of jobs: who holds the profile's turn and who waits for it, oldest first. */

/**
 * The queue's workflow type, the update that asks it for a turn, the signal that gives a turn back and
 * the one that tells a waiting job its turn came, by name (local activities send them).
 */
export const PROFILE_QUEUE_WORKFLOW = 'profileQueue';
export const TURN_REQUEST_UPDATE = 'requestTurn';
export const TURN_RELEASED_SIGNAL = 'turnReleased';
export const TURN_GRANTED_SIGNAL = 'turnGranted';
export interface TurnRequest {
  workflow_id: string;
  run_id: string;
  job_id: string;
  /** When the run asked (ms since epoch; the client's clock or the run's start), for display. */
  asked_at: number;
}

/** The queue's answer: the turn is the job's now, or it waits behind `ahead` jobs for a signal. */
export interface TurnAnswer {
  granted: boolean;
  ahead: number;
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
