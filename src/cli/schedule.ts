import { parseArgs } from 'node:util';
import {
  backfillSchedule,
  createSchedules,
  deleteSchedule,
  describeSchedule,
  forEachConcurrently,
  listSchedules,
  OVERLAP_POLICIES,
  pauseSchedule,
  triggerSchedule,
  unpauseSchedule,
  type OverlapPolicy,
} from '../client-library';
import { readRecordsFile } from './files';
import type { CliContext } from './cli-context';
import {
  formatBackfill,
  formatScheduleDetails,
  formatScheduleList,
  runWithLinks,
  scheduleLinks,
} from './schedule-format';
import { parseCommandArgs, UsageError } from './usage-error';

const SELECT =
  '  ID|--all [--platform P] [--client C]   one schedule, or every job schedule (of that platform/client)';

export const SCHEDULE_HELPS: Record<string, string> = {
  create: `Usage: mlx-jobs schedule create FILE|- [--template FILE] [--format json|jsonl|csv] [--json]

Creates schedules from definitions: one JSON object (the default), JSON Lines (.jsonl, one a line) or CSV
(.csv: one schedule a row, each column a field path set on --template, as in submit --batch). Every
definition is checked first (fields, cron, time zone, the template as a JobSpec); if any is bad, every
problem is listed with its line and field and nothing is created (exit 2). An existing schedule id is
left as it is and reported. See README "Schedules" for the fields.`,
  list: `Usage: mlx-jobs schedule list [--platform P] [--client C] [--json]

Lists the job schedules: what each runs, when, its next run times, whether it is paused, and its last
run's outcome with links to the run in the Temporal UI and to its trace.`,
  describe: `Usage: mlx-jobs schedule describe ID [--json]

Shows one schedule: its template, when it runs, overlap policy and catch-up window, counts of runs
taken and skipped, the next run times and the recent runs with their outcomes and links.`,
  pause: `Usage: mlx-jobs schedule pause ID|--all [--platform P] [--client C] --reason TEXT [--json]

Stops taking runs (the reason becomes the schedule's note in the Temporal UI). Runs already started go
on. Runs missed while paused are not taken later: backfill them after unpausing.
${SELECT}`,
  unpause: `Usage: mlx-jobs schedule unpause ID|--all [--platform P] [--client C] [--reason TEXT] [--json]

Takes runs again from the next scheduled time.
${SELECT}`,
  trigger: `Usage: mlx-jobs schedule trigger ID [--overlap POLICY] [--json]

Takes one run now (also while paused), scheduled at this moment: its relative dates are today's in the
schedule's time zone. The schedule's overlap policy applies unless --overlap (${OVERLAP_POLICIES.join(', ')}).`,
  backfill: `Usage: mlx-jobs schedule backfill ID|--all [--platform P] [--client C] --from WHEN --to WHEN
                                [--overlap POLICY] [--json]

Takes the runs of a past period, each with the dates of its own scheduled day. WHEN is a date
(YYYY-MM-DD: from the start of --from's day to the end of --to's day in the schedule's time zone) or a
time (2026-11-23T06:00:00Z). Scheduled times whose run is open or completed are not started again;
failed ones are. Runs go one after another (--overlap buffer_all) unless --overlap says otherwise.
${SELECT}`,
  delete: `Usage: mlx-jobs schedule delete ID [--json]

Deletes the schedule. Runs it started are not touched.`,
};

export const SCHEDULE_HELP = `Usage: mlx-jobs schedule <create|list|describe|pause|unpause|trigger|backfill|delete> [options]

Recurring jobs on Temporal Schedules (also in the Temporal UI's Schedules page). Each run is an
ordinary job whose job_id is <schedule id>-<scheduled time> and whose relative dates (today,
yesterday, today-7, …) are resolved at its scheduled time in the schedule's time zone.

${Object.values(SCHEDULE_HELPS)
  .map((help) => `  ${help.split('\n')[0]!.replace('Usage: mlx-jobs ', '')}`)
  .join('\n')}

mlx-jobs schedule ACTION --help shows each.`;

const OPTIONS = {
  template: { type: 'string' },
  format: { type: 'string' },
  platform: { type: 'string' },
  client: { type: 'string' },
  all: { type: 'boolean' },
  reason: { type: 'string' },
  overlap: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  json: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

/** The help `schedule [ACTION] … --help` asks for (none asked: undefined), so no connection is needed for it. */
export function scheduleHelp(args: string[]): string | undefined {
  const asks = args.length === 0 || args.some((arg) => arg === '--help' || arg === '-h');
  return asks ? (SCHEDULE_HELPS[args[0] ?? ''] ?? SCHEDULE_HELP) : undefined;
}

/** `mlx-jobs schedule …`: args are what follows `schedule`. */
export async function runSchedule(args: string[], ctx: CliContext): Promise<number> {
  const [action = '', ...rest] = args;
  const help = SCHEDULE_HELPS[action];
  if (!help) throw new UsageError(`unknown schedule action "${action}"`, SCHEDULE_HELP);
  const { values, positionals } = parseCommandArgs(
    { args: rest, options: OPTIONS, allowPositionals: true },
    help,
  );
  const json = values.json ?? false;
  const print = (text: string, data: unknown) => ctx.out(json ? JSON.stringify(data) : text);
  if (action === 'list') {
    if (positionals.length) throw new UsageError('schedule list takes no arguments', help);
    const schedules = await listSchedules(ctx.client, filterOf(values));
    const links = scheduleLinks(ctx.config);
    print(
      formatScheduleList(ctx.config, schedules),
      schedules.map((s) => ({
        ...s,
        ui_url: links.schedule(s.schedule_id),
        ...(s.last_run && { last_run: runWithLinks(ctx.config, s.last_run) }),
      })),
    );
    return 0;
  }
  if (action === 'create') return create(ctx, positionals, values, help);
  if (action === 'pause' || action === 'unpause' || action === 'backfill') {
    return forSelected(ctx, action, await selected(ctx, positionals, values, help), values);
  }
  const [id, ...extra] = positionals;
  if (!id || extra.length || values.all) throw new UsageError(`schedule ${action} takes one ID`, help);
  if (action === 'describe') {
    const details = await describeSchedule(ctx.client, id);
    const links = scheduleLinks(ctx.config);
    print(formatScheduleDetails(ctx.config, details), {
      ...details,
      ui_url: links.schedule(id),
      recent_runs: details.recent_runs.map((run) => runWithLinks(ctx.config, run)),
    });
    return 0;
  }
  if (action === 'trigger') {
    await triggerSchedule(ctx.client, id, overlapOf(values));
    print(`schedule ${id}: one run requested now; see mlx-jobs schedule describe ${id}`, {
      schedule_id: id,
      triggered: true,
    });
    return 0;
  }
  await deleteSchedule(ctx.client, id);
  print(`schedule ${id} deleted (the runs it started are not touched)`, { schedule_id: id, deleted: true });
  return 0;
}

async function create(ctx: CliContext, positionals: string[], values: Values, help: string): Promise<number> {
  const [file, ...extra] = positionals;
  if (!file || extra.length) throw new UsageError('schedule create takes one FILE (or -)', help);
  const records = readRecordsFile(file, {
    format: values.format,
    template: values.template,
    formats: ['json', 'jsonl', 'csv'],
  });
  const result = await createSchedules(ctx.client, records, {
    taskQueue: ctx.config.taskQueue,
    policy: ctx.config.policy,
    profileOwners: ctx.config.profileOwners,
    egress: ctx.config.egress,
    tasks: ctx.tasks,
    deadLetterRetentionMs: ctx.config.deadLetterRetentionMs,
  });
  if (values.json) ctx.out(JSON.stringify(result));
  else {
    for (const p of result.invalid) ctx.err(`${p.line === undefined ? '' : `line ${p.line}: `}${p.message}`);
    if (result.invalid.length) ctx.err('nothing was created');
    for (const id of result.created)
      ctx.out(`created schedule ${id}  ${scheduleLinks(ctx.config).schedule(id)}`);
    for (const id of result.existed)
      ctx.out(`exists  schedule ${id}: left as it is (delete it first to change it)`);
    for (const e of result.errors) ctx.err(`not created  ${e.schedule_id}: ${e.message}`);
  }
  if (result.invalid.length) return 2;
  return result.errors.length ? 1 : 0;
}

function filterOf(values: Values) {
  return { platform: values.platform, clientId: values.client };
}

function overlapOf(values: Values): OverlapPolicy | undefined {
  if (values.overlap === undefined) return undefined;
  if (!(OVERLAP_POLICIES as readonly string[]).includes(values.overlap)) {
    throw new UsageError(`--overlap must be one of ${OVERLAP_POLICIES.join(', ')}`);
  }
  return values.overlap as OverlapPolicy;
}

/** ID, or with --all every job schedule matching --platform/--client. */
async function selected(
  ctx: CliContext,
  positionals: string[],
  values: Values,
  help: string,
): Promise<string[]> {
  if (values.all) {
    if (positionals.length) throw new UsageError('give a schedule id or --all, not both', help);
    return (await listSchedules(ctx.client, filterOf(values), { lastRun: false })).map((s) => s.schedule_id);
  }
  if (values.platform || values.client) throw new UsageError('--platform and --client go with --all');
  if (positionals.length !== 1) throw new UsageError('give one schedule id or --all', help);
  return positionals;
}

async function forSelected(
  ctx: CliContext,
  action: 'pause' | 'unpause' | 'backfill',
  ids: string[],
  values: Values,
): Promise<number> {
  if (action === 'pause' && !values.reason)
    throw new UsageError('schedule pause needs --reason TEXT (it becomes the note)');
  if (action === 'backfill' && (!values.from || !values.to))
    throw new UsageError('schedule backfill needs --from and --to');
  const overlap = overlapOf(values);
  const results = new Array<unknown>(ids.length);
  const failed: string[] = [];
  await forEachConcurrently(ids, 4, async (id, i) => {
    try {
      if (action === 'backfill') {
        const result = await backfillSchedule(ctx.client, id, {
          from: values.from!,
          to: values.to!,
          overlap,
        });
        results[i] = result;
        if (!values.json) ctx.out(formatBackfill(result));
        return;
      }
      if (action === 'pause') await pauseSchedule(ctx.client, id, values.reason!);
      else await unpauseSchedule(ctx.client, id, values.reason);
      results[i] = { schedule_id: id, [action === 'pause' ? 'paused' : 'unpaused']: true };
      if (!values.json) ctx.out(`schedule ${id} ${action}d${values.reason ? `: ${values.reason}` : ''}`);
    } catch (err) {
      failed.push(id);
      ctx.err(`schedule ${id}: ${action} failed: ${(err as Error).message}`);
    }
  });
  if (values.json) ctx.out(JSON.stringify(results.filter((r) => r !== undefined)));
  else if (ids.length === 0) ctx.out('no schedule matches');
  return failed.length ? 1 : 0;
}
