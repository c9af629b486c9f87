import type { JobRef, JobSpec, RunJobInput, StepPolicies } from '../contract';
import type { ProgressTracker } from './progress-tracker';

/** What every part of one run works from: its input, the job it runs and the record of its steps. */
export interface JobContext {
  input: RunJobInput;
  spec: JobSpec;
  job: JobRef;
  policies: StepPolicies;
  progress: ProgressTracker;
}
