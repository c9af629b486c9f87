import type { Client } from '@temporalio/client';
import {
  failure,
  questionsQuery,
  workflowIdFor,
  type AnswerReply,
  type ClosedQuestion,
  type OpenQuestion,
} from '../contract';
import { answerUpdate, progressQuery } from '../workflows';
import { boundedQuery } from './bounded-query';
import { listedRun, type ListedRun } from './listed-run';

/** An open question of a running job, as `mlx-jobs questions` lists it. */
export interface JobQuestion extends OpenQuestion, ListedRun {}

/**
 * The questions jobs wait on now (found by `MlxWaitingFor = 'person'`, read from each run's progress),
 * oldest first. A run whose worker did not answer its query in time is left out.
 */
export async function listQuestions(
  client: Client,
  filter: { platform?: string; client_id?: string } = {},
  limit = 100,
): Promise<JobQuestion[]> {
  const runs = [];
  for await (const execution of client.workflow.list({ query: questionsQuery(filter) })) {
    runs.push(execution);
    if (runs.length >= limit) break;
  }
  const found = await Promise.all(
    runs.map(async (run): Promise<JobQuestion | undefined> => {
      const handle = client.workflow.getHandle(run.workflowId, run.runId);
      const question = (await boundedQuery(client, () => handle.query(progressQuery)))?.question;
      if (!question) return undefined;
      return {
        ...listedRun(run),
        ...question,
      };
    }),
  );
  return found
    .filter((q): q is JobQuestion => q !== undefined)
    .sort((a, b) => a.since.localeCompare(b.since));
}

/** The question a job waits on now; AnswerRefused when it asks nothing (or has ended). */
export async function openQuestion(client: Client, jobId: string): Promise<OpenQuestion> {
  const handle = client.workflow.getHandle(workflowIdFor(jobId));
  const { status } = await handle.describe();
  const progress = await boundedQuery(client, () => handle.query(progressQuery));
  // An operator who answered a moment too late learns what became of the question, even once the job
  // has ended (a closed run still answers the query while a worker polls its queue).
  const last = progress?.last_question;
  const why = last ? `: question ${last.question_id} ${closedBecause[last.closed]} at ${last.at}` : '';
  if (status.name !== 'RUNNING')
    throw failure('AnswerRefused', `job ${jobId} has ended (${status.name}): it asks nothing${why}`);
  if (!progress)
    throw failure('AnswerRefused', `job ${jobId}: no worker answered, so its question is unknown`);
  if (!progress.question) throw failure('AnswerRefused', `job ${jobId} asks nothing now${why}`);
  return progress.question;
}

const closedBecause: Record<ClosedQuestion['closed'], string> = {
  answered: 'was answered (by another operator, or earlier)',
  'timed out': 'timed out',
  'its step ended': 'closed when the attempt that asked ended (a next attempt asks again)',
};

/**
 * Answers the job's question `questionId`: the job refuses it (AnswerRefused, inside the update's
 * failure) unless that question is open and not answered yet, so of two operators answering at once one
 * is refused. Resolves once the answer is recorded and handed to the waiting task (or kept for its next
 * attempt when that worker is gone).
 */
export function answerQuestion(
  client: Client,
  jobId: string,
  questionId: string,
  answer: string,
): Promise<AnswerReply> {
  return client.workflow
    .getHandle(workflowIdFor(jobId))
    .executeUpdate(answerUpdate, { args: [{ question_id: questionId, answer }] });
}
