/**
 * One profile's queue of jobs: who holds the profile's turn and who waits for it, oldest first. The
 * queue is a workflow (`profileQueue`, one per profile); jobs join it by signal, the queue tells the
 * next job its turn came by signal, and each side asks the other by query. Names are shared here so the
 * client, the activities and the workflows agree on them.
 */
export const PROFILE_QUEUE_WORKFLOW = 'profileQueue';
/** Signal to the queue: put this job in line (a job already in line keeps its place). */
export const TURN_ENQUEUE_SIGNAL = 'enqueue';
/** Signal to the queue: this job is done with its turn, or stops waiting for it. */
export const TURN_RELEASED_SIGNAL = 'turnReleased';
/** Signal to a job: its turn came. */
export const TURN_GRANTED_SIGNAL = 'turnGranted';
/** Query to the queue: its whole state. */
export const QUEUE_QUERY = 'queue';
/** Query to a job: where it stands with its turn (the queue asks it before freeing a silent holder). */
export const TURN_QUERY = 'turn';

/** The run of a job, as the queue knows it. */
export interface TurnRun {
  workflow_id: string;
  run_id: string;
}

export interface TurnRequest extends TurnRun {
  job_id: string;
  /** When the job asked (ms since epoch; the client's clock or the run's), for display. */
  asked_at: number;
  /**
   * `job`: the job joined the line itself, and waits for the queue's signal; otherwise the client
   * joined it as it submitted, and the job learns where it stands by asking.
   */
  asked_by?: 'job';
}

/** The job holding the turn, and since when (the queue's time, ms since epoch). */
export interface TurnHolder extends TurnRequest {
  since: number;
  /** The queue still has to signal the job that the turn is its own. */
  tell?: boolean;
}

export interface ProfileQueueState {
  profile_id: string;
  holder?: TurnHolder;
  waiting: TurnRequest[];
  /** Runs that gave their turn back (newest last, bounded): a late request from one is not queued again. */
  released?: string[];
}

/**
 * A job's side of its turn: `asking` before the queue answered, `waiting` in line, `holding` the
 * profile, `released` done with it (or never to take it: cancelled, deadline passed).
 */
export type TurnState = 'asking' | 'waiting' | 'holding' | 'released';

/** Where a job stands in its profile's queue. */
export interface TurnPosition {
  granted: boolean;
  /** How many jobs are ahead of it (the holder included). */
  ahead: number;
  /** The job holding the profile now, if another. */
  holder_job_id?: string;
  /** Since when that job holds it (ms since epoch). */
  holder_since?: number;
}

/** One entry per job: a job is its workflow id, whichever run of it (a reset) asks. */
export const sameJob = (a: Pick<TurnRun, 'workflow_id'>, b: Pick<TurnRun, 'workflow_id'>) =>
  a.workflow_id === b.workflow_id;

/** The job's position in a queue's state; undefined when the queue does not know the job. */
export function positionIn(state: ProfileQueueState, job: TurnRun): TurnPosition | undefined {
  const { holder, waiting } = state;
  if (holder && sameJob(holder, job)) return { granted: true, ahead: 0 };
  const at = waiting.findIndex((w) => sameJob(w, job));
  if (at < 0) return undefined;
  return {
    granted: false,
    ahead: at + (holder ? 1 : 0),
    ...(holder && { holder_job_id: holder.job_id, holder_since: holder.since }),
  };
}
