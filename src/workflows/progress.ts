import { isCancellation } from '@temporalio/workflow';
import type { DeadLetterInfo, JobProgress, StepName, StepRecord } from '../contract';
import { failureInfo } from './failure-info';

/** Step timings as the `progress` query shows them; times are workflow time, so replay-safe. */
export class ProgressTracker {
  private readonly steps: StepRecord[] = [];
  private state: JobProgress['state'] = 'running';
  private current?: StepName;
  workerId?: string;
  /** The step whose failure ended the job, for the failure report. */
  failedStep?: StepName;

  constructor(private readonly jobId: string) {}

  async run<T>(step: StepName, fn: () => Promise<T>): Promise<T> {
    const started = Date.now();
    const record: StepRecord = { step, status: 'running', started_at: new Date(started).toISOString() };
    this.steps.push(record);
    this.current = step;
    try {
      const result = await fn();
      record.status = 'completed';
      return result;
    } catch (err) {
      record.status = isCancellation(err) ? 'cancelled' : 'failed';
      if (record.status === 'failed') record.failure_type = failureInfo(err).type;
      this.failedStep ??= step;
      throw err;
    } finally {
      record.duration_ms = Date.now() - started;
      this.current = undefined;
    }
  }

  finish(state: JobProgress['state']): void {
    this.state = state;
  }

  snapshot(deadLetter?: DeadLetterInfo): JobProgress {
    return {
      job_id: this.jobId,
      state: this.state,
      current_step: this.current,
      worker_id: this.workerId,
      steps: this.steps.map((s) => ({ ...s })),
      ...(deadLetter && { dead_letter: deadLetter }),
    };
  }
}
