import type { InjectedSinks } from '@temporalio/worker';
import type { MlxSinks } from '../contract';
import { metrics } from './metrics';

/**
 * The workflow's metric events, recorded on the worker that runs the workflow task. Not called during
 * replay: a job's outcome is counted once, by the worker that first ran it, and never again when its
 * history is replayed after a cache eviction or on another worker.
 */
export function metricsSinks(): InjectedSinks<MlxSinks> {
  return {
    mlxMetrics: {
      jobEnded: {
        fn: (_info, event) =>
          metrics.jobEnded({
            platform: event.platform,
            task: event.task,
            outcome: event.outcome,
            seconds: event.duration_ms / 1000,
            traceId: event.trace_id,
            failureType: event.failure_type,
            failedStep: event.failed_step,
          }),
        callDuringReplay: false,
      },
      deadLetter: {
        fn: (_info, event) => metrics.deadLetter(event.platform, event.kind, event.action),
        callDuringReplay: false,
      },
    },
  };
}
