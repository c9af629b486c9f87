import type { Client } from '@temporalio/client';
import {
  discardDeadLetter,
  getJob,
  listDeadLetters,
  retryDeadLetter,
  temporalUiLink,
  traceLink,
  traceReference,
} from '../client-library';
import type { ClientConfig } from '../config';
import { ATTR, deadLetterQuery } from '../contract';
import { inSpan, linkTo } from '../telemetry';
import { saveEvidence } from './evidence-files';
import { readJsonFile } from './files';
import { formatStatus } from './format';
import { parseCommandArgs, UsageError } from './usage-error';

export const DLQ_HELP = `Usage: mlx-jobs dlq <list|show|retry|discard> [options]

Jobs that cannot succeed (a non-retryable failure, retries used up) or whose report could not be
delivered are parked as dead letters: the profile is stopped, the lease freed, the failure webhook sent,
and the run waits for an operator until MLX_DEAD_LETTER_RETENTION_MS ends, then closes as failed.

  dlq list [--platform P] [--client C] [--type T] [--limit N] [--json]
        parked jobs (from Temporal's visibility store), newest first
  dlq show JOB_ID [--evidence DIR] [--json]
        why the job is parked, its steps, the page at failure, its links; --evidence DIR: fetch the
        failed attempt's screenshot from the claim-check store into DIR (decrypted, files 0600)
  dlq retry JOB_ID [--run RUN_ID] [--profile P] [--folder F] [--input FILE|-] [--reason TEXT]
        run the job again, optionally on another profile or with a new task input (JSON);
        for a job whose only failure was the webhook: deliver its report again
  dlq discard JOB_ID [--run RUN_ID] --reason TEXT
        close the job as failed, recording the reason

retry and discard act on the run --run names (the one dlq list and dlq show print), else the latest;
repeating a command for the same run answers it again and changes nothing.`;

const OPTIONS = {
  platform: { type: 'string' },
  client: { type: 'string' },
  type: { type: 'string' },
  limit: { type: 'string' },
  profile: { type: 'string' },
  folder: { type: 'string' },
  input: { type: 'string' },
  reason: { type: 'string' },
  run: { type: 'string' },
  evidence: { type: 'string' },
  json: { type: 'boolean' },
} as const;

interface DlqContext {
  client: Client;
  config: ClientConfig;
  out: (line: string) => void;
}

/** `mlx-jobs dlq …`: args are what follows `dlq`. */
export async function runDlq(args: string[], ctx: DlqContext): Promise<number> {
  const [action, ...rest] = args;
  const { values, positionals } = parseCommandArgs(
    { args: rest, allowPositionals: true, options: OPTIONS },
    DLQ_HELP,
  );
  if (action === 'list') {
    if (positionals.length) throw new UsageError('dlq list takes no arguments', DLQ_HELP);
    return list(ctx, values);
  }
  const jobId = positionals[0];
  if (!['show', 'retry', 'discard'].includes(action ?? '')) {
    throw new UsageError(`unknown dlq action "${action}"`, DLQ_HELP);
  }
  if (!jobId || positionals.length > 1) throw new UsageError(`dlq ${action} takes one JOB_ID`, DLQ_HELP);
  if (action === 'show') return show(ctx, jobId, values.json ?? false, values.evidence);
  if (action === 'discard' && !values.reason) {
    throw new UsageError('dlq discard needs --reason TEXT: it is kept with the job');
  }
  const runId = values.run;
  const taskInput = values.input === undefined ? undefined : readJson(values.input);
  // The command's own span (its trace holds Temporal's update spans) links to the job's span.
  const job = await getJob(ctx.client, jobId).catch(() => undefined);
  const links = linkTo(job?.trace_id, job?.trace_span_id, `dlq ${action} of the job`);
  const attributes = { [ATTR.jobId]: jobId, ...(job?.trace_id && { 'mlx.job.trace_id': job.trace_id }) };
  return inSpan(
    `mlx.dlq.${action}`,
    attributes,
    async () => {
      if (action === 'discard') {
        const answer = await discardDeadLetter(ctx.client, jobId, values.reason!, { runId });
        ctx.out(
          answer.outcome === 'done'
            ? `job ${jobId} (run ${answer.run_id}) discarded: ${values.reason}`
            : `job ${jobId} (run ${answer.run_id}) was already discarded: nothing changed`,
        );
        return 0;
      }
      const answer = await retryDeadLetter(
        ctx.client,
        jobId,
        {
          profile_id: values.profile,
          folder_id: values.folder,
          task_input: taskInput,
          reason: values.reason,
        },
        { runId },
      );
      ctx.out(
        answer.outcome === 'done'
          ? `job ${jobId} (run ${answer.run_id}): retry accepted; follow it with: mlx-jobs status ${jobId}`
          : `job ${jobId} (run ${answer.run_id}) was already retried: nothing changed; mlx-jobs status ${jobId}`,
      );
      return 0;
    },
    { links },
  );
}

async function list(ctx: DlqContext, values: { [K in keyof typeof OPTIONS]?: string | boolean }) {
  const limit = values.limit === undefined ? 100 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive integer');
  const filter = {
    platform: values.platform as string | undefined,
    clientId: values.client as string | undefined,
    failureType: values.type as string | undefined,
  };
  const parked = await listDeadLetters(ctx.client, filter, limit);
  if (values.json) {
    ctx.out(JSON.stringify(parked));
    return 0;
  }
  if (parked.length === 0) ctx.out('no dead letters');
  for (const job of parked) {
    ctx.out(
      `${job.job_id}  run ${job.run_id}  ${job.platform ?? '-'}  client ${job.client_id ?? '-'}  ${job.failure_type ?? '-'} at ${job.failed_step ?? '-'}  started ${job.started_at}`,
    );
  }
  ctx.out(`(Temporal UI search: ${deadLetterQuery(filter)})`);
  return 0;
}

async function show(ctx: DlqContext, jobId: string, json: boolean, evidenceDir?: string): Promise<number> {
  const job = await getJob(ctx.client, jobId);
  const parked = job.progress?.dead_letter;
  if (!parked && job.status === 'RUNNING' && !job.progress) {
    throw new Error(`job ${jobId} is running, but no worker answered its progress query`);
  }
  if (!parked) throw new UsageError(`job ${jobId} is not a dead letter (status ${job.status})`);
  const ui = temporalUiLink(ctx.config.temporal.uiUrl, ctx.config.temporal.namespace, job.workflow_id);
  const trace = job.trace_id && traceLink(ctx.config.trace.urlTemplate, job.trace_id);
  const failure = job.failure ?? parked.failure;
  const files = evidenceDir === undefined ? [] : await saveEvidence(ctx.config, jobId, failure, evidenceDir);
  if (json) {
    ctx.out(
      JSON.stringify({
        ...job,
        ui_url: ui,
        trace_url: trace,
        ...(files.length && { evidence_files: files }),
      }),
    );
    return 0;
  }
  ctx.out(
    formatStatus(job, ui, job.trace_id && traceReference(ctx.config.trace.urlTemplate, job.trace_id, jobId)),
  );
  for (const file of files) ctx.out(`  evidence: ${file}`);
  ctx.out(
    `  next: mlx-jobs dlq retry ${jobId} --run ${job.run_id}   or   mlx-jobs dlq discard ${jobId} --run ${job.run_id} --reason TEXT`,
  );
  return 0;
}

function readJson(file: string): Record<string, unknown> {
  return readJsonFile(file, `--input ${file}`) as Record<string, unknown>;
}
