/** What the workflow's `progress` query returns. */
import type { DeadLetterInfo } from './dead-letter';
import type { StepName, StepRecord } from './steps';

export interface JobProgress {
  job_id: string;
  /** `dead_letter`: the job could not succeed and waits for an operator's retry or discard. */
  state: 'running' | 'completed' | 'failed' | 'cancelled' | 'dead_letter';
  current_step?: StepName;
  worker_id?: string;
  steps: StepRecord[];
  /** While the job is parked: why, since when, until when. */
  dead_letter?: DeadLetterInfo;
}
