/**
 * What workflow code reports to the worker's metrics, through a Temporal sink. The worker registers
 * it with `callDuringReplay: false`, so an event is counted when the workflow first runs the code that
 * emits it, never when a worker replays that history (after a cache eviction, on another worker, or in
 * a replay test). Workflow-safe: types only.
 */
import type { Sinks } from '@temporalio/workflow';

export interface JobEndedEvent {
  platform: string;
  task: string;
  outcome: 'completed' | 'failed' | 'cancelled';
  /** Workflow time from the run's start to its outcome. */
  duration_ms: number;
  /** The job's trace, kept as the duration's exemplar; absent when tracing is off. */
  trace_id?: string;
  failure_type?: string;
  failed_step?: string;
}

export interface DeadLetterEvent {
  platform: string;
  kind: 'job' | 'webhook';
  action: 'parked' | 'retried' | 'discarded' | 'expired';
}

export interface MlxSinks extends Sinks {
  mlxMetrics: {
    jobEnded(event: JobEndedEvent): void;
    deadLetter(event: DeadLetterEvent): void;
  };
}
