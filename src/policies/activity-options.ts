import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';
import type { StepPolicy } from '../contract';

export function activityOptions(policy: StepPolicy, taskQueue?: string): ActivityOptions {
  return { ...localActivityOptions(policy), taskQueue, heartbeatTimeout: policy.heartbeat_ms };
}

/** The same policy for a step run as a local activity (no task queue, no heartbeat). */
export function localActivityOptions(policy: StepPolicy): LocalActivityOptions {
  const { retry } = policy;
  return {
    startToCloseTimeout: policy.start_to_close_ms,
    scheduleToCloseTimeout: policy.schedule_to_close_ms,
    scheduleToStartTimeout: policy.schedule_to_start_ms,
    retry: {
      initialInterval: retry.initial_interval_ms,
      backoffCoefficient: retry.backoff_coefficient,
      maximumInterval: retry.maximum_interval_ms,
      // The SDK wants a positive number or nothing for "unlimited".
      maximumAttempts: retry.maximum_attempts === 0 ? undefined : retry.maximum_attempts,
      nonRetryableErrorTypes: retry.non_retryable_error_types,
    },
  };
}
