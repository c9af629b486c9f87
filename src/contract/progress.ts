/** What the workflow's `progress` query returns. */
import type { DeadLetterInfo } from './dead-letter';
import type { ClosedQuestion, OpenQuestion } from './questions';
import type { StepName, StepRecord } from './steps';

export interface JobProgress {
  job_id: string;
  /** `dead_letter`: the job could not succeed and waits for an operator's retry or discard. */
  state: 'running' | 'completed' | 'failed' | 'cancelled' | 'dead_letter';
  current_step?: StepName;
  worker_id?: string;
  steps: StepRecord[];
  /** While the job waits for its profile's turn: behind which job, since when. */
  waiting?: JobWait;
  /** While the task waits for a person's answer (ctx.ask): what it asks, since when, until when. */
  question?: OpenQuestion;
  /** The job's last question once it is closed: why and when (an operator answering late is told). */
  last_question?: ClosedQuestion;
  /** While the job is parked: why, since when, until when. */
  dead_letter?: DeadLetterInfo;
}

/** A job waiting in its profile's line. */
export interface JobWait {
  for: 'profile';
  profile_id: string;
  /** When the job started waiting (ISO 8601). */
  since: string;
  /** How many jobs are ahead of it, the holder included (as last asked). */
  ahead: number;
  /** The job holding the profile, and since when, as last asked. */
  behind_job_id?: string;
  behind_since?: string;
}
