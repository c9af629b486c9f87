import {
  condition,
  defineUpdate,
  log,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { HostActivities } from '../activities';
import {
  ANSWER_MAX_LENGTH,
  ASK_UPDATE,
  askProblems,
  JOB_QUESTIONS_MAX_MS,
  QUESTION_MAX_MS,
  type AnswerReply,
  type AnswerRequest,
  type AskReply,
  type AskRequest,
  type OpenQuestion,
} from '../contract/questions';
import { failure } from '../contract/failures';
import { failureInfo } from '../contract/failure-info';
import { SA } from '../contract/search-attributes';
import type { ProgressTracker } from './progress-tracker';

/** Sent by the asking task's executeTask (through its worker's client): records the question. */
export const askUpdate = defineUpdate<AskReply, [AskRequest]>(ASK_UPDATE);
/** Sent by an operator (`mlx-jobs answer`): records the answer and hands it to the waiting task. */
export const answerUpdate = defineUpdate<AnswerReply, [AnswerRequest]>('answer');

interface Asked extends OpenQuestion {
  host_task_queue: string;
  asked_at: number;
}

/** An answer recorded for a question whose asking attempt was gone when it came. */
interface Recorded {
  kind: string;
  prompt: string;
  question_id: string;
  answer: string;
}

/**
 * The questions a job's task asks a person. At most one is open at a time (a task waits on it); it is
 * shown where operators look (`MlxWaitingFor = 'person'`, the `progress` query, the run's details, an
 * event on the job's span) until it is answered, times out or its step ends. An answer is recorded, then
 * delivered to the waiting task by `deliverAnswer` on the asking worker's host queue; an answer that
 * could not be delivered is given to the next attempt that asks the same question (same kind and prompt).
 */
export class Questions {
  private open?: Asked;
  private readonly recorded: Recorded[] = [];
  private lastAnswered?: { question_id: string; at: string };
  private asked = 0;
  /** Time spent waiting for answers by the job's closed questions. */
  private waitedMs = 0;

  constructor(
    private readonly jobId: string,
    private readonly progress: ProgressTracker,
    private readonly spanEvent: (name: string, attributes: Record<string, string>) => void,
  ) {
    setHandler(askUpdate, (request) => Promise.resolve(this.ask(request)), {
      validator: (request: AskRequest) => this.validateAsk(request),
    });
    setHandler(answerUpdate, (request) => this.answer(request), {
      validator: (request: AnswerRequest) => this.validateAnswer(request),
    });
  }

  /** The step whose task asked ended: a question still open is closed (nobody can receive its answer). */
  stepEnded(): void {
    if (this.open) this.close(this.open, 'its step ended');
  }

  private validateAsk(request: AskRequest): void {
    const problems = askProblems(request);
    if (typeof request.host_task_queue !== 'string' || !request.host_task_queue)
      problems.push('host_task_queue: required');
    if (problems.length) throw failure('TaskFailed', `ctx.ask: ${problems.join('; ')}`);
    if (this.open && !this.sameQuestion(this.open, request))
      throw failure('TaskFailed', `ctx.ask: the task already waits on question ${this.open.question_id}`);
  }

  private ask(request: AskRequest): AskReply {
    // The marker: a worker of a release without questions fails this run's task plainly on replay.
    patched('1.1-ask');
    const recorded = this.recorded.findIndex((r) => this.sameQuestion(r, request));
    if (recorded >= 0) {
      const [{ question_id, answer }] = this.recorded.splice(recorded, 1) as [Recorded];
      this.spanEvent('mlx.question.answer_redelivered', { 'mlx.question.id': question_id });
      return { question_id, wait_ms: 0, answer };
    }
    const now = Date.now();
    if (this.open) {
      // A later attempt of the step asks what its earlier one asked: it waits for the same question.
      this.open.host_task_queue = request.host_task_queue;
      this.open.worker_id = request.worker_id;
      return { question_id: this.open.question_id, wait_ms: Math.max(0, Date.parse(this.open.until) - now) };
    }
    const left = JOB_QUESTIONS_MAX_MS - this.waitedMs;
    const waitMs = Math.max(0, Math.min(request.timeout_ms, QUESTION_MAX_MS, left));
    const question_id = `q${++this.asked}`;
    if (waitMs === 0) return { question_id, wait_ms: 0 };
    const asked: Asked = {
      question_id,
      kind: request.kind,
      prompt: request.prompt,
      secret: request.secret,
      since: new Date(now).toISOString(),
      until: new Date(now + waitMs).toISOString(),
      worker_id: request.worker_id,
      host_task_queue: request.host_task_queue,
      asked_at: now,
    };
    this.open = asked;
    upsertSearchAttributes([{ key: SA.waitingFor, value: 'person' }]);
    this.progress.setQuestion(publicView(asked));
    this.spanEvent('mlx.question.asked', {
      'mlx.question.id': question_id,
      'mlx.question.kind': request.kind,
      'mlx.question.until': asked.until,
    });
    // The job's own clock closes the question at its timeout, whether or not the task is still there.
    void condition(() => this.open !== asked, waitMs).then(
      (answered) => !answered && this.close(asked, 'timed out'),
      () => undefined, // the job was cancelled: its step's end closes the question
    );
    return { question_id, wait_ms: waitMs };
  }

  private validateAnswer(request: AnswerRequest): void {
    const refuse = (why: string) => {
      throw failure('AnswerRefused', `job ${this.jobId}: ${why}`);
    };
    if (typeof request.answer !== 'string' || !request.answer) refuse('answer: a non-empty text is required');
    if (request.answer.length > ANSWER_MAX_LENGTH) refuse(`answer: at most ${ANSWER_MAX_LENGTH} characters`);
    const open = this.open;
    if (open && Date.now() >= Date.parse(open.until)) refuse(`question ${open.question_id} timed out`);
    if (this.lastAnswered?.question_id === request.question_id)
      refuse(`question ${request.question_id} was already answered (at ${this.lastAnswered.at})`);
    if (!open) refuse('the job asks nothing now');
    if (request.question_id !== open!.question_id)
      refuse(`question ${request.question_id} is not the open one (${open!.question_id})`);
  }

  private async answer(request: AnswerRequest): Promise<AnswerReply> {
    const asked = this.open!;
    const at = new Date().toISOString();
    this.lastAnswered = { question_id: asked.question_id, at };
    this.close(asked, 'answered');
    const record: Recorded = { ...asked, answer: request.answer };
    this.recorded.push(record);
    const { deliverAnswer } = proxyActivities<HostActivities>({
      taskQueue: asked.host_task_queue,
      // A host that is gone is noticed in seconds: the answer stays recorded for the next attempt.
      scheduleToStartTimeout: 10_000,
      startToCloseTimeout: 5_000,
      retry: { maximumAttempts: 3, initialInterval: 500 },
    });
    let delivered = false;
    try {
      delivered = await deliverAnswer({
        job_id: this.jobId,
        question_id: asked.question_id,
        answer: request.answer,
      });
    } catch (err) {
      log.warn('the answer could not be delivered to the asking worker; kept for the next attempt', {
        question_id: asked.question_id,
        worker_id: asked.worker_id,
        error: failureInfo(err),
      });
    }
    if (delivered) this.recorded.splice(this.recorded.indexOf(record), 1);
    return { question_id: asked.question_id, delivered };
  }

  private close(asked: Asked, why: 'answered' | 'timed out' | 'its step ended'): void {
    if (this.open !== asked) return;
    this.open = undefined;
    this.waitedMs += Date.now() - asked.asked_at;
    upsertSearchAttributes([{ key: SA.waitingFor, value: null }]);
    this.progress.setQuestion(undefined, {
      question_id: asked.question_id,
      closed: why,
      at: new Date().toISOString(),
    });
    this.spanEvent(why === 'answered' ? 'mlx.question.answered' : 'mlx.question.closed', {
      'mlx.question.id': asked.question_id,
      ...(why !== 'answered' && { 'mlx.question.closed_because': why }),
    });
  }

  private sameQuestion(a: { kind: string; prompt: string }, b: { kind: string; prompt: string }): boolean {
    return a.kind === b.kind && a.prompt === b.prompt;
  }
}

function publicView(asked: Asked): OpenQuestion {
  const { question_id, kind, prompt, secret, since, until, worker_id } = asked;
  return { question_id, kind, prompt, secret, since, until, worker_id };
}
