/** What the client passes to the runJob workflow: the spec and everything resolved for it at submit. */
import type { JobSpec } from './job-spec';
import type { StepPolicies } from './policy-schemas';
import type { ScheduledRun } from './scheduled-run';

export interface RunJobInput {
  spec: JobSpec;
  policies: StepPolicies;
  /** How long a job that cannot succeed waits as a dead letter for an operator; 0 or absent: it fails. */
  dead_letter_retention_ms?: number;
  /** How many times operators retried this job from its dead letter (carried across continue-as-new). */
  dead_letter_retries?: number;
  /** Set by a schedule's action: `spec` is the schedule's template, resolved when the run starts. */
  schedule?: ScheduledRun;
  /** The job span of the run a dead-letter retry continues from, which the retry's span links to. */
  retried_run?: { trace_id: string; span_id: string };
}
