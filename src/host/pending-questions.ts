import { failure } from '../contract';

/**
 * The answers the tasks this worker runs wait for, by job and question: `deliverAnswer` (the job hands
 * an operator's answer to the host whose task asked) resolves the wait in this process. Secret answers
 * stay known to the worker's redactor while their job's task runs, so no log line, span or failure text
 * carries one.
 */
export interface PendingQuestions {
  /**
   * Waits up to `ms` for the answer to `questionId`; rejects with HumanAnswerTimeout after that, and with
   * the signal's reason when it is aborted (cancel, lease lost).
   */
  wait(jobId: string, questionId: string, ms: number, signal: AbortSignal): Promise<string>;
  /** Hands an answer to the task waiting for it; false when none waits here (its attempt is gone). */
  deliver(jobId: string, questionId: string, answer: string): boolean;
  /** A secret answer of a running task: redacted from everything the worker emits until `forget`. */
  keepSecret(jobId: string, answer: string): void;
  /** The job's task ended here: its secret answers are no longer needed. */
  forget(jobId: string): void;
  /** The secret answers the redactor must know now. */
  secretAnswers(): string[];
}

export function createPendingQuestions(): PendingQuestions {
  const waiting = new Map<string, (answer: string) => void>();
  const secrets = new Map<string, string[]>();
  const key = (jobId: string, questionId: string) => `${jobId}\u0000${questionId}`;
  return {
    wait(jobId, questionId, ms, signal) {
      return new Promise<string>((resolve, reject) => {
        const id = key(jobId, questionId);
        const end = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', aborted);
          if (waiting.get(id) === answered) waiting.delete(id);
        };
        const answered = (answer: string) => {
          end();
          resolve(answer);
        };
        const aborted = () => {
          end();
          reject(signal.reason as Error);
        };
        const timer = setTimeout(() => {
          end();
          reject(
            failure('HumanAnswerTimeout', `no answer to question ${questionId} within ${ms} ms`, {
              details: { question_id: questionId, timeout_ms: ms },
            }),
          );
        }, ms);
        if (signal.aborted) return aborted();
        signal.addEventListener('abort', aborted, { once: true });
        waiting.set(id, answered);
      });
    },
    deliver(jobId, questionId, answer) {
      const resolve = waiting.get(key(jobId, questionId));
      resolve?.(answer);
      return resolve !== undefined;
    },
    keepSecret(jobId, answer) {
      secrets.set(jobId, [...(secrets.get(jobId) ?? []), answer]);
    },
    forget(jobId) {
      secrets.delete(jobId);
    },
    secretAnswers: () => [...secrets.values()].flat(),
  };
}
