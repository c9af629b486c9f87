import type { JobRef, JobSpec, RunJobInput, StepPolicies } from '../contract';
import type { ProgressTracker } from './progress-tracker';
import type { Questions } from './questions';
import type { RunMetadata } from './run-metadata';
import type { WaitingFor } from './waiting-for';

/** What every part of one run works from: its input, the job it runs and the record of its steps. */
export interface JobContext {
  input: RunJobInput;
  spec: JobSpec;
  job: JobRef;
  policies: StepPolicies;
  progress: ProgressTracker;
  /** The run's user metadata in the Temporal UI. */
  metadata: RunMetadata;
  /** What the run waits for, where operators see it. */
  waiting: WaitingFor;
  /** The questions the task asks a person. */
  questions: Questions;
}

/** What the worker checks of a run's input before it leases anything (whoever starts a workflow may send any). */
export function checkedInput(started: RunJobInput) {
  return {
    spec: started.spec,
    policies: started.policies,
    dead_letter_retention_ms: started.dead_letter_retention_ms,
    dead_letter_retries: started.dead_letter_retries,
  };
}
