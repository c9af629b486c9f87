import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import { askProblems, failure, type AskReply, type AskRequest } from '../contract';
import type { PendingQuestions } from '../host';
import type { Logger } from '../telemetry';
import type { AskOptions } from '../tasks';

/** Tells the job its task asks (the `ask` update); resolves with the job's reply. */
export type TellJob = (request: AskRequest) => Promise<AskReply>;

/**
 * `ctx.ask` of a task run by executeTask: the job records the question and says how long to wait (or
 * hands back an answer recorded for this question before), then the task waits here, in this worker
 * process, for `deliverAnswer` to bring the operator's answer. The step's lease keeper goes on renewing
 * the lease and heartbeating meanwhile; a cancel or a lost lease ends the wait (the task's signal).
 */
export function askPerson(run: {
  jobId: string;
  workerId: string;
  hostTaskQueue: string;
  tellJob: TellJob;
  questions: PendingQuestions;
  signal: AbortSignal;
  log: Logger;
}): (question: AskOptions) => Promise<string> {
  return async (question) => {
    const request = askRequest(question, run);
    const reply = await run.tellJob(request).catch((err: unknown) => {
      if (run.signal.aborted) throw run.signal.reason as Error;
      throw failure('TaskFailed', `ctx.ask: the job did not take the question (${String(err)})`);
    });
    const fields = { question_id: reply.question_id, kind: request.kind };
    let answer = reply.answer;
    if (answer === undefined) {
      if (reply.wait_ms <= 0) {
        throw failure(
          'HumanAnswerTimeout',
          `question ${reply.question_id} not asked: the job has spent its time for answers`,
          { details: { question_id: reply.question_id } },
        );
      }
      run.log.info('waiting for a person to answer', { ...fields, wait_ms: reply.wait_ms });
      answer = await run.questions.wait(run.jobId, reply.question_id, reply.wait_ms, run.signal);
    }
    if (request.secret) run.questions.keepSecret(run.jobId, answer);
    run.log.info('question answered', { ...fields, recorded_before: reply.answer !== undefined });
    return answer;
  };
}

function askRequest(question: AskOptions, run: { workerId: string; hostTaskQueue: string }): AskRequest {
  const timeout_ms = durationMs(question.timeout);
  const problems = askProblems({ kind: question.kind, prompt: question.prompt, timeout_ms });
  if (problems.length) throw failure('TaskFailed', `ctx.ask: ${problems.join('; ')}`);
  return {
    kind: question.kind,
    prompt: question.prompt,
    secret: question.secret ?? false,
    timeout_ms,
    host_task_queue: run.hostTaskQueue,
    worker_id: run.workerId,
  };
}

/** A duration as the SDK takes them ('15m', '90s', milliseconds); NaN when it is none. */
function durationMs(value: Duration): number {
  try {
    return msToNumber(value);
  } catch {
    return Number.NaN;
  }
}
