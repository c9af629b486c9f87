import { answerQuestion, listQuestions, openQuestion } from '../client-library';
import type { CliContext } from './cli-context';
import { readText } from './files';
import { parseCommandArgs, UsageError } from './usage-error';

export const QUESTIONS_HELP = `Usage: mlx-jobs questions [--platform P] [--client C] [--json]

The questions jobs wait on now (a task asked a person: ctx.ask), oldest first: the job, its platform
and client, what is asked, since when and until when. Answer one with mlx-jobs answer JOB_ID.`;

export const ANSWER_HELP = `Usage: mlx-jobs answer JOB_ID [--stdin] [--json]

Answers the question the job waits on. The answer is read from stdin (--stdin: all of it, without its
final newline) or typed at a prompt that does not echo; never from the command line, where a one-time
code would stay in the shell's history and the process list. Refused (exit 1) when the job asks nothing,
or its question was answered already (by another operator) or timed out.`;

const LIST_OPTIONS = {
  platform: { type: 'string' },
  client: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;
const ANSWER_OPTIONS = {
  stdin: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `mlx-jobs questions`. */
export async function runQuestions(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseCommandArgs({ args, options: LIST_OPTIONS }, QUESTIONS_HELP);
  const questions = await listQuestions(ctx.client, { platform: values.platform, client_id: values.client });
  if (values.json) {
    ctx.out(JSON.stringify(questions));
    return 0;
  }
  if (questions.length === 0) ctx.out('no job waits for an answer');
  for (const q of questions) {
    ctx.out(
      `${q.job_id}  ${q.platform ?? '-'}  client ${q.client_id ?? '-'}  ${q.kind}${q.secret ? ' (secret)' : ''}  since ${q.since}  until ${q.until}`,
    );
    ctx.out(`  ${q.prompt}`);
  }
  return 0;
}

/** `mlx-jobs answer JOB_ID`: the answer from stdin or a prompt that does not echo. */
export async function runAnswer(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    { args, allowPositionals: true, options: ANSWER_OPTIONS },
    ANSWER_HELP,
  );
  const [jobId, ...extra] = positionals;
  if (!jobId || extra.length)
    throw new UsageError(
      'answer takes the job id only: the answer comes from stdin or a prompt',
      ANSWER_HELP,
    );
  const question = await openQuestion(ctx.client, jobId);
  ctx.err(`job ${jobId} asks (${question.kind}, question ${question.question_id}): ${question.prompt}`);
  const answer = values.stdin ? readText('-').replace(/\r?\n$/, '') : await typedAnswer();
  if (!answer) throw new UsageError('the answer is empty');
  const reply = await answerQuestion(ctx.client, jobId, question.question_id, answer);
  if (values.json) {
    ctx.out(JSON.stringify({ job_id: jobId, ...reply }));
    return 0;
  }
  ctx.out(
    reply.delivered
      ? `answered question ${reply.question_id} of job ${jobId}: the task has it`
      : `answered question ${reply.question_id} of job ${jobId}: recorded; its worker is gone, the next attempt that asks gets it`,
  );
  return 0;
}

/** A line typed at the terminal, not echoed. */
function typedAnswer(): Promise<string> {
  const { stdin } = process;
  if (!stdin.isTTY) {
    return Promise.reject(new UsageError('stdin is not a terminal: give the answer on stdin with --stdin'));
  }
  process.stderr.write('answer (not shown): ');
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const done = (then: () => void) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      then();
    };
    const onData = (chunk: string) => {
      for (const c of chunk) {
        if (c === '\r' || c === '\n') return done(() => resolve(typed));
        if (c === '\u0003' || c === '\u0004') return done(() => reject(new UsageError('no answer given')));
        typed = c === '\u007f' || c === '\b' ? typed.slice(0, -1) : typed + c;
      }
    };
    stdin.on('data', onData);
  });
}
