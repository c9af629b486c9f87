import type { Client } from '@temporalio/client';
import {
  connectClient,
  cancelJob,
  getJob,
  jobFailureOf,
  JobParkedError,
  startJob,
  waitForJob,
  temporalUiLink,
  traceLink,
  traceReference,
  fetchTrace,
  checkedSpec,
  waitForTrace,
} from '../client-library';
import { loadClientConfig, type ClientConfig } from '../config';
import { workflowIdFor, type JobFailureInfo, type JobResult } from '../contract';
import { configuredTasks, type TaskRegistry } from '../tasks';
import { runBatch } from './batch';
import type { CliContext, CliIo } from './cli-context';
import { cliText } from './cli-failure';
import { DLQ_HELP, runDlq } from './dlq';
import { runCodecServer } from './codec-server';
import { runAnswer, runQuestions } from './questions';
import { runLeases } from './leases';
import { readJsonFile } from './files';
import { HELP } from './help';
import { createProgressPrinter, formatOutput, formatStatus } from './format';
import { runSchedule, scheduleHelp } from './schedule';
import { runTasks } from './tasks';
import { runTaskCommand } from './task-run';
import { parseCommandArgs, UsageError } from './usage-error';
import { packageVersion } from './version';
import { runTraces, TRACES_HELP } from './traces';
import { renderWaterfall } from './waterfall';

/** What a failed command prints and exits with: the other half of running one (./main.ts). */
export { cliFailure } from './cli-failure';

const consoleOut = (line: string) => console.log(line);

// Each command takes only its own options: anything else is refused with its usage line.
const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;
const JSON_OPTIONS = { ...HELP_OPTION, json: { type: 'boolean' } } as const;
const SUBMIT_OPTIONS = { ...JSON_OPTIONS, wait: { type: 'boolean' } } as const;

/** Runs `fn` with a client connected as the environment says, closing it after. */
async function withClient(io: CliIo, fn: (ctx: CliContext) => Promise<number>): Promise<number> {
  const config = loadClientConfig(io.env);
  const client = await connectClient(config);
  try {
    return await fn({ ...io, client, config });
  } finally {
    await client.connection.close();
  }
}

/**
 * Runs one CLI command; returns the process exit code. Every line it prints, on stdout and stderr, goes
 * through the process's redactor and terminalText: page text, task output and spec values reach no
 * terminal as control sequences.
 */
export async function runCli(argv: string[], rawOut = consoleOut, io: Partial<CliIo> = {}): Promise<number> {
  const out = (line: string) => rawOut(cliText(line));
  const err = io.err ?? ((line: string) => console.error(line));
  const cli: CliIo = {
    out,
    err: (line) => err(cliText(line)),
    write: io.write ?? ((text) => void process.stderr.write(text)),
    tty: io.tty ?? (io.err === undefined && process.stderr.isTTY === true),
    env: io.env ?? process.env,
    get tasks() {
      return io.tasks ?? configuredTasks(this.env);
    },
  };
  const [command = 'help', ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h') {
    out(HELP[rest[0] ?? 'main'] ?? HELP.main!);
    return 0;
  }
  if (command === '--version' || command === '-V') {
    out(packageVersion());
    return 0;
  }
  if (!(command in HELP)) throw new UsageError(`unknown command "${command}"; see mlx-jobs --help`);
  if (command === 'tasks') return runTasks(rest, out, cli.tasks);
  if (command === 'task') return runTaskCommand(rest, cli);
  if (command === 'traces') {
    if (rest.includes('--help') || rest.includes('-h')) {
      out(TRACES_HELP);
      return 0;
    }
    return runTraces(rest, { config: loadClientConfig(cli.env), out });
  }
  const help =
    command === 'schedule'
      ? scheduleHelp(rest)
      : command === 'dlq' && (rest.length === 0 || rest.some((a) => a === '--help' || a === '-h'))
        ? DLQ_HELP
        : undefined;
  if (help) {
    out(help);
    return 0;
  }
  if (command === 'dlq') return withClient(cli, (ctx) => runDlq(rest, ctx));
  if ((command === 'questions' || command === 'answer') && (rest.includes('--help') || rest.includes('-h'))) {
    out(HELP[command]!);
    return 0;
  }
  if (command === 'questions') return withClient(cli, (ctx) => runQuestions(rest, ctx));
  if (command === 'answer') return withClient(cli, (ctx) => runAnswer(rest, ctx));
  if (command === 'schedule') return withClient(cli, (ctx) => runSchedule(rest, ctx));
  if (command === 'submit' && rest.some((arg) => arg === '--batch' || arg.startsWith('--batch='))) {
    return withClient(cli, (ctx) => runBatch(rest, ctx));
  }
  const { values, positionals } = parseCommandArgs(
    {
      args: rest,
      allowPositionals: true,
      // Typed as the widest: an option the command does not take is refused, so never in `values`.
      options: (command === 'submit'
        ? SUBMIT_OPTIONS
        : command === 'codec-server'
          ? HELP_OPTION
          : JSON_OPTIONS) as typeof SUBMIT_OPTIONS,
    },
    HELP[command]!,
  );
  if (values.help) {
    out(HELP[command]!);
    return 0;
  }
  const config = loadClientConfig(cli.env);
  if (command === 'leases') return runLeases({ config, out, json: values.json ?? false });
  if (command === 'codec-server') return runCodecServer(config, out);
  const target = positionals[0];
  if (!target || positionals.length > 1) {
    throw new UsageError(`${command} takes one argument`, HELP[command]);
  }

  // A spec is checked whole before any connection: a bad one exits 2 at once, naming every field.
  const spec = command === 'submit' ? readSpec(target, config, cli.tasks) : undefined;
  const client = await connectClient(config);
  try {
    const ctx = { client, config, out, err: cli.err, json: values.json ?? false, tasks: cli.tasks };
    if (command === 'submit') return await submit(ctx, spec, values.wait ?? false);
    if (command === 'status') return await status(ctx, target);
    if (command === 'trace') return await traceCommand(ctx, target);
    await cancelJob(client, target);
    ctx.out(
      ctx.json
        ? JSON.stringify({ job_id: target, workflow_id: workflowIdFor(target), cancel_requested: true })
        : `cancellation requested for job ${target}`,
    );
    return 0;
  } finally {
    await client.connection.close();
  }
}

interface CommandContext {
  client: Client;
  config: ClientConfig;
  out: (line: string) => void;
  /** Progress, as the job goes: stderr, so stdout holds only the answer. */
  err: (line: string) => void;
  json: boolean;
  tasks: TaskRegistry;
}

function uiLink(config: ClientConfig, workflowId: string, runId?: string): string {
  return temporalUiLink(config.temporal.uiUrl, config.temporal.namespace, workflowId, runId);
}

/** The spec in `file` ('-': stdin), parsed and checked (schema, limits, policies, task input). */
function readSpec(file: string, config: ClientConfig, tasks: TaskRegistry): unknown {
  const spec = readJsonFile(file);
  const { policy, profileOwners, egress } = config;
  checkedSpec(spec, { policy, tasks, profileOwners, egress });
  return spec;
}

async function submit(ctx: CommandContext, spec: unknown, wait: boolean): Promise<number> {
  const started = await startJob(ctx.client, spec, {
    taskQueue: ctx.config.taskQueue,
    policy: ctx.config.policy,
    tasks: ctx.tasks,
    profileOwners: ctx.config.profileOwners,
    egress: ctx.config.egress,
    deadLetterRetentionMs: ctx.config.deadLetterRetentionMs,
    traceUrlTemplate: ctx.config.trace.urlTemplate,
  });
  const link = uiLink(ctx.config, started.workflow_id, started.run_id);
  if (!ctx.json) {
    ctx.out(
      started.created
        ? `job ${started.job_id} submitted (workflow ${started.workflow_id}, run ${started.run_id})`
        : `job ${started.job_id} already exists (run ${started.run_id}): nothing new was started`,
    );
    ctx.out(`Temporal UI: ${link}`);
  }
  if (!wait) {
    if (ctx.json) ctx.out(JSON.stringify({ ...started, ui_url: link }));
    return 0;
  }
  let outcome: { result?: JobResult; failure?: JobFailureInfo; dead_letter?: boolean };
  try {
    const onProgress = ctx.json ? undefined : createProgressPrinter(ctx.err);
    outcome = { result: await waitForJob(ctx.client, started.job_id, { onProgress }) };
  } catch (err) {
    outcome = { failure: jobFailureOf(err), ...(err instanceof JobParkedError && { dead_letter: true }) };
  }
  const { trace_id } = await getJob(ctx.client, started.job_id);
  const trace_url = trace_id ? traceLink(ctx.config.trace.urlTemplate, trace_id) : undefined;
  // The workers export spans in batches: wait for the job's spans, so the trace is whole when we return.
  const { queryUrl } = ctx.config.trace;
  const trace_complete = trace_id && queryUrl ? await waitForTrace(queryUrl, trace_id) : undefined;
  if (ctx.json) {
    ctx.out(JSON.stringify({ ...started, ui_url: link, trace_url, trace_complete, ...outcome }));
  } else {
    const { result, failure } = outcome;
    if (result) {
      ctx.out('completed');
      for (const line of formatOutput(result.output, started.job_id)) ctx.out(line);
    } else {
      ctx.out(
        `${outcome.dead_letter ? 'parked as a dead letter' : 'failed'}: ${failure?.type} at ${failure?.step ?? '?'}: ${failure?.message}`,
      );
    }
    if (outcome.dead_letter) ctx.out(`inspect: mlx-jobs dlq show ${started.job_id}`);
    if (trace_id) {
      ctx.out(`trace: ${traceReference(ctx.config.trace.urlTemplate, trace_id, started.job_id)}`);
      if (trace_complete === false) {
        ctx.out('  (the workers export spans every few seconds: the trace completes shortly)');
      }
    }
  }
  return outcome.failure ? 1 : 0;
}

async function status(ctx: CommandContext, jobId: string): Promise<number> {
  const job = await getJob(ctx.client, jobId);
  const links = {
    ui_url: uiLink(ctx.config, job.workflow_id, job.run_id),
    trace_url: job.trace_id && traceLink(ctx.config.trace.urlTemplate, job.trace_id),
  };
  const trace = job.trace_id && traceReference(ctx.config.trace.urlTemplate, job.trace_id, jobId);
  ctx.out(ctx.json ? JSON.stringify({ ...job, ...links }) : formatStatus(job, links.ui_url, trace));
  // 0 only while the job is on its way or done: a script can tell a failed or parked job by the code.
  const parked = job.progress?.dead_letter !== undefined;
  return (job.status === 'RUNNING' && !parked) || job.status === 'COMPLETED' ? 0 : 1;
}

async function traceCommand(ctx: CommandContext, jobId: string): Promise<number> {
  const { trace_id } = await getJob(ctx.client, jobId);
  if (!trace_id) throw new UsageError(`job ${jobId} has no trace id (it ran without tracing)`);
  const { queryUrl, urlTemplate } = ctx.config.trace;
  if (!queryUrl)
    throw new UsageError('set MLX_TRACE_QUERY_URL to the trace backend (e.g. http://127.0.0.1:16686)');
  const spans = await fetchTrace(queryUrl, trace_id);
  if (ctx.json) {
    ctx.out(
      JSON.stringify({ trace_id, spans }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
    );
    return 0;
  }
  ctx.out(`trace ${trace_id}${urlTemplate ? `  ${traceLink(urlTemplate, trace_id)}` : ''}`);
  ctx.out(spans.length ? renderWaterfall(spans) : '(the trace backend has no spans for it yet)');
  return 0;
}
