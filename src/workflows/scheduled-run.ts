import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { RunJobInput } from '../contract';
import { failure } from '../contract/failures';
import { resolveScheduledSpec, SCHEDULED_START_TIME, scheduledTimeText } from '../contract/scheduled-run';
import { SA } from '../contract/search-attributes';

/**
 * A run a schedule started carries the schedule's template: it becomes this run's job here, once, at the
 * start. The scheduled time is Temporal's `TemporalScheduledStartTime` search attribute, which the
 * schedule sets when it starts the run and which the run's first history event records; so the same
 * scheduled day gives the same dates whenever the run actually starts (a catch-up after an outage, a
 * backfill, jitter) and on every replay. Other runs, and runs that resolved already (a dead letter
 * retried by continue-as-new keeps its resolved spec), are returned as they are.
 */
export function scheduledRunInput(input: RunJobInput): RunJobInput {
  const { schedule } = input;
  if (!schedule || schedule.scheduled_at !== undefined) return input;
  const at = workflowInfo().typedSearchAttributes.get(SCHEDULED_START_TIME);
  if (!at) {
    throw failure(
      'JobSpecInvalid',
      `the run names schedule ${schedule.schedule_id} but has no TemporalScheduledStartTime: start it from the schedule`,
    );
  }
  const spec = resolveScheduledSpec(input.spec, schedule, at);
  // The schedule's action could only name the schedule; from now on the run is found by its own job_id.
  upsertSearchAttributes([{ key: SA.jobId, value: spec.job_id }]);
  return { ...input, spec, schedule: { ...schedule, scheduled_at: scheduledTimeText(at) } };
}
