import {
  DEFAULT_BATCH_CONCURRENCY,
  followJobs,
  submitBatch,
  temporalUiLink,
  type BatchJob,
  type BatchSubmission,
  type BatchTally,
  type RecordProblem,
  type RunOutcome,
} from '../client-library';
import type { CliContext } from './cli-context';
import { readRecordsFile } from './files';
import { createProgressDisplay, progressLine } from './progress';
import { parseCommandArgs, UsageError } from './usage-error';

export const BATCH_HELP = `Usage: mlx-jobs submit --batch FILE|- [--template FILE] [--format jsonl|csv]
                         [--concurrency N] [--skip-invalid] [--wait] [--json]

Starts many jobs from one file. Every line is checked first; if any is bad, every bad line is listed
(line number and field) and nothing starts, unless --skip-invalid starts the others. A job_id whose run
is open or completed is not started again: the command says which ones already existed, so a file can
be submitted again after an interruption.

  FILE            JSON Lines (one JobSpec a line; .jsonl, the default) or CSV (.csv): a header row of
                  field paths, one job a row, each cell setting that field on --template
                  (job_id,profile_id,task.input.account,task.input.from); a column "path:number",
                  "path:boolean" or "path:json" converts its cells; an empty cell keeps the template's
  --template F    the JobSpec (JSON) every CSV row starts from
  --concurrency N submissions in flight at once (default 16)
  --skip-invalid  start the valid lines even when others are bad
  --wait          follow every job until it ends or is parked as a dead letter, with a live summary
  --json          one JSON object at the end instead of text

Exit codes: 0 every job started (and, with --wait, completed); 1 a job failed, was cancelled, was
parked or could not be submitted; 2 bad input (bad lines, with or without --skip-invalid).`;

const OPTIONS = {
  batch: { type: 'string' },
  template: { type: 'string' },
  format: { type: 'string' },
  concurrency: { type: 'string' },
  'skip-invalid': { type: 'boolean' },
  wait: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

const lineText = (p: { line?: number }) => (p.line === undefined ? '' : `line ${p.line}: `);

/** `mlx-jobs submit --batch FILE …`; args are what follows `submit`. */
export async function runBatch(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    { args, options: OPTIONS, allowPositionals: true },
    BATCH_HELP,
  );
  if (!values.batch || positionals.length) {
    throw new UsageError('submit --batch takes a FILE (or -) and no other argument', BATCH_HELP);
  }
  const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
  if (
    concurrency !== undefined &&
    !(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 256)
  ) {
    throw new UsageError('--concurrency must be a whole number from 1 to 256');
  }
  const records = readRecordsFile(values.batch, {
    format: values.format,
    template: values.template,
    formats: ['jsonl', 'csv'],
  });
  const json = values.json ?? false;
  // Progress goes to stderr: stdout holds the answer alone (with --json, one JSON document).
  const display = createProgressDisplay({ tty: ctx.tty && !json, write: ctx.write, out: ctx.err });
  const result = await submitBatch(ctx.client, records, {
    taskQueue: ctx.config.taskQueue,
    policy: ctx.config.policy,
    profileOwners: ctx.config.profileOwners,
    egress: ctx.config.egress,
    tasks: ctx.tasks,
    deadLetterRetentionMs: ctx.config.deadLetterRetentionMs,
    concurrency,
    skipInvalid: values['skip-invalid'],
    onProgress: (p) =>
      !json && display.update(progressLine(p.created + p.existed + p.errors, p.total, submittedParts(p))),
  });
  if (!json) display.done();
  const link = (job: BatchJob) =>
    temporalUiLink(ctx.config.temporal.uiUrl, ctx.config.temporal.namespace, job.workflow_id, job.run_id);
  if (!result.submitted) {
    if (json) ctx.out(JSON.stringify({ submitted: false, invalid: result.invalid }));
    else
      reportInvalid(
        ctx,
        result.invalid,
        'nothing was started; fix them or use --skip-invalid to start the others',
      );
    return 2;
  }
  if (!json) printSubmission(ctx, result);
  let outcomes: Map<string, RunOutcome> | undefined;
  let tally: BatchTally | undefined;
  if (values.wait && result.jobs.length) {
    ({ outcomes, tally } = await followJobs(
      ctx.client,
      result.jobs.map((j) => j.job_id),
      {
        concurrency: concurrency ?? DEFAULT_BATCH_CONCURRENCY,
        onProgress: (t) =>
          !json && display.update(progressLine(t.total - t.running, t.total, followParts(t))),
      },
    ));
    if (!json) {
      display.done();
      printUnsuccessful(ctx, result.jobs, outcomes);
    }
  }
  if (json) {
    const jobs = result.jobs.map((job) => ({
      ...job,
      ui_url: link(job),
      ...(outcomes && { outcome: outcomes.get(job.job_id) }),
    }));
    ctx.out(JSON.stringify({ submitted: true, invalid: result.invalid, jobs, errors: result.errors, tally }));
  } else if (tally) {
    ctx.out(
      `${tally.total} jobs: ${Object.entries(followParts(tally))
        .map(([k, n]) => `${n} ${k}`)
        .join(', ')}`,
    );
  }
  const unsuccessful = tally ? tally.failed + tally.cancelled + tally.parked : 0;
  if (result.errors.length || unsuccessful) return 1;
  return result.invalid.length ? 2 : 0;
}

function printSubmission(ctx: CliContext, result: BatchSubmission): void {
  if (result.invalid.length) reportInvalid(ctx, result.invalid, 'these lines were skipped');
  for (const job of result.jobs.filter((j) => !j.created)) {
    ctx.out(`exists  ${job.job_id} (${lineText(job)}run ${job.run_id}): nothing new was started`);
  }
  for (const error of result.errors) {
    ctx.err(`not submitted  ${error.job_id} (${lineText(error)}${error.message})`);
  }
  const created = result.jobs.filter((j) => j.created).length;
  const failed = result.errors.length ? `, ${result.errors.length} not submitted` : '';
  ctx.out(
    `${result.jobs.length + result.errors.length} jobs: ${created} started, ${result.jobs.length - created} already existed${failed}`,
  );
}

/** One line for each job that did not complete: where it stands and how to look closer. */
function printUnsuccessful(ctx: CliContext, jobs: BatchJob[], outcomes: Map<string, RunOutcome>): void {
  for (const job of jobs) {
    const outcome = outcomes.get(job.job_id)!;
    if (outcome.state === 'completed') continue;
    const why = outcome.failure_type ? ` ${outcome.failure_type}` : '';
    ctx.out(
      `${outcome.state}  ${job.job_id} (${lineText(job)}${outcome.status}${why}): mlx-jobs status ${job.job_id}`,
    );
  }
}

function submittedParts(p: { created: number; existed: number; errors: number }): Record<string, number> {
  return { started: p.created, existed: p.existed, ...(p.errors && { 'not submitted': p.errors }) };
}

function followParts(t: BatchTally): Record<string, number> {
  return {
    running: t.running,
    completed: t.completed,
    failed: t.failed,
    ...(t.cancelled && { cancelled: t.cancelled }),
    parked: t.parked,
  };
}

function reportInvalid(ctx: CliContext, invalid: RecordProblem[], then: string): void {
  const lines = new Set(invalid.map((p) => p.line));
  for (const problem of invalid) ctx.err(`${lineText(problem)}${problem.message}`);
  ctx.err(`${lines.size} bad line(s): ${then}`);
}
