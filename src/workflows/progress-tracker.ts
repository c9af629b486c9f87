import { isCancellation } from '@temporalio/workflow';
import type {
  ClosedQuestion,
  DeadLetterInfo,
  JobProgress,
  JobWait,
  OpenQuestion,
  StepName,
  StepRecord,
} from '../contract';
import { failureInfo } from '../contract/failure-info';

/** Step timings as the `progress` query shows them; times are workflow time, so replay-safe. */
export class ProgressTracker {
  private readonly records: StepRecord[] = [];
  private state: JobProgress['state'] = 'running';
  /** The steps under way, oldest first: a report can run while the profile stops. */
  private readonly running: StepRecord[] = [];
  workerId?: string;
  /** The step whose failure ended the job, for the failure report. */
  failedStep?: StepName;
  private waiting?: JobWait;
  private question?: OpenQuestion;
  private lastQuestion?: ClosedQuestion;

  constructor(
    private readonly jobId: string,
    /** Called whenever a step starts or ends and when the job's state changes. */
    private readonly onChange?: () => void,
  ) {}

  async run<T>(step: StepName, fn: () => Promise<T>): Promise<T> {
    const started = Date.now();
    const record: StepRecord = { step, status: 'running', started_at: new Date(started).toISOString() };
    this.records.push(record);
    this.running.push(record);
    this.onChange?.();
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
      this.running.splice(this.running.indexOf(record), 1);
      this.onChange?.();
    }
  }

  setWaiting(waiting: JobWait | undefined): void {
    this.waiting = waiting;
    this.onChange?.();
  }

  /** The question the job waits on now; when it closes, `closed` says why and when. */
  setQuestion(question: OpenQuestion | undefined, closed?: ClosedQuestion): void {
    this.question = question;
    if (closed) this.lastQuestion = closed;
    this.onChange?.();
  }

  finish(state: JobProgress['state']): void {
    this.state = state;
    this.onChange?.();
  }

  /** Copies, so a caller can keep them while the run goes on. */
  steps(): StepRecord[] {
    return this.records.map((s) => ({ ...s }));
  }

  snapshot(deadLetter?: DeadLetterInfo): JobProgress {
    return {
      job_id: this.jobId,
      state: this.state,
      current_step: this.running.at(-1)?.step,
      worker_id: this.workerId,
      steps: this.steps(),
      ...(this.waiting && { waiting: { ...this.waiting } }),
      ...(this.question && { question: { ...this.question } }),
      ...(this.lastQuestion && { last_question: { ...this.lastQuestion } }),
      ...(deadLetter && { dead_letter: deadLetter }),
    };
  }
}
