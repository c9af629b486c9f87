/**
 * A task may ask a person (ctx.ask): the question the job records, the operator's answer, and the bounds
 * on how long a job waits for answers. Workflow-safe: no Node APIs.
 */
import { quoteVisibility, waitingQuery } from './search-attributes';

/** What the asking task tells its job (the `ask` update, sent by executeTask through the worker's client). */
export interface AskRequest {
  /** A short word for what is asked (`otp`, `captcha`, `confirm`): lowercase letters, digits, `_`, `-`. */
  kind: string;
  /** What the person is asked, shown to operators; never a secret. */
  prompt: string;
  /** The answer is a secret: kept out of logs, spans and webhooks, redacted from failure text. */
  secret: boolean;
  /** How long the task waits for the answer. */
  timeout_ms: number;
  /** The host queue of the worker whose task asks: the answer is delivered there. */
  host_task_queue: string;
  worker_id: string;
}

/** The job's reply to an ask: the question's id, how long to wait, or an answer recorded before. */
export interface AskReply {
  question_id: string;
  /** How long the task may wait (the task's timeout within the job's bounds); 0: no time left. */
  wait_ms: number;
  /** An answer recorded for this same question that its earlier attempt never received. */
  answer?: string;
}

/** An operator's answer (the `answer` update). */
export interface AnswerRequest {
  /** The question answered: refused unless it is the job's open one. */
  question_id: string;
  answer: string;
}

export interface AnswerReply {
  question_id: string;
  /** Handed to the waiting task now; else recorded, for the next attempt that asks the same question. */
  delivered: boolean;
}

/** The question a job waits on, as the `progress` query and the run's details show it. */
export interface OpenQuestion {
  question_id: string;
  kind: string;
  prompt: string;
  secret: boolean;
  /** When it was asked, and when it times out (ISO 8601). */
  since: string;
  until: string;
  worker_id: string;
}

/** A question no longer open: answered, timed out, or its step ended (the attempt that asked is gone). */
export interface ClosedQuestion {
  question_id: string;
  closed: 'answered' | 'timed out' | 'its step ended';
  /** When it closed (ISO 8601). */
  at: string;
}

/** What the deliverAnswer step hands to the worker whose task waits. */
export interface DeliverAnswerInput {
  job_id: string;
  question_id: string;
  answer: string;
}

/** The job's Update a task's attempt sends its question by (the workflow defines its handler). */
export const ASK_UPDATE = 'ask';

/** The longest one question waits, whatever the task asks. */
export const QUESTION_MAX_MS = 60 * 60 * 1000;
/** The longest a job waits for answers in all, over all its questions and attempts. */
export const JOB_QUESTIONS_MAX_MS = 4 * 60 * 60 * 1000;
export const ANSWER_MAX_LENGTH = 1_000;
export const PROMPT_MAX_LENGTH = 500;
const KIND = /^[a-z0-9_-]{1,40}$/;

/** Problems of an ask, each naming its field (checked by the task's context and again by the workflow). */
export function askProblems(ask: { kind?: unknown; prompt?: unknown; timeout_ms?: unknown }): string[] {
  const problems: string[] = [];
  if (typeof ask.kind !== 'string' || !KIND.test(ask.kind))
    problems.push('kind: 1 to 40 of a-z, 0-9, _ and -');
  if (typeof ask.prompt !== 'string' || !ask.prompt.trim() || ask.prompt.length > PROMPT_MAX_LENGTH)
    problems.push(`prompt: a non-empty text of at most ${PROMPT_MAX_LENGTH} characters`);
  if (typeof ask.timeout_ms !== 'number' || !Number.isFinite(ask.timeout_ms) || ask.timeout_ms <= 0)
    problems.push('timeout: a positive duration');
  return problems;
}

/** The visibility query for jobs waiting for a person's answer now, optionally of one platform or client. */
export function questionsQuery(filter: { platform?: string; client_id?: string } = {}): string {
  const clauses = [waitingQuery('person')];
  if (filter.platform) clauses.push(`MlxPlatform = ${quoteVisibility(filter.platform)}`);
  if (filter.client_id) clauses.push(`MlxClientId = ${quoteVisibility(filter.client_id)}`);
  return clauses.join(' AND ');
}
