import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { loadTaskRunConfig, settingSecrets } from '../config';
import { ID_PATTERN } from '../contract';
import { createCredentialStore, createRedactor, loadTaskSecrets } from '../secrets';
import { createLogger, setOutputFilter } from '../telemetry';
import type { TaskRegistry } from '../tasks';
import { readJsonFile } from './files';
import { parseCommandArgs, UsageError } from './usage-error';

export const TASK_HELP = `Usage: mlx-jobs task run NAME --input FILE|- [--account CLIENT_ID] [--headed] [--trace FILE.zip]

Runs one task (built-in or from MLX_TASKS_MODULE) once, without Temporal, on a new local Chromium
profile (MLX_CHROMIUM_PATH) started by the embedded launcher and removed after, with the context a job
gives it: the credentials of MLX_TASK_SECRETS_FILE / MLX_TASK_SECRETS checked for the client and the
origins, the navigation guard, the limits (MLX_TASK_MAX_*).

  --input FILE|-       the task input (JSON, what a JobSpec's task.input holds)
  --account CLIENT_ID  the client the run acts for, as a job's client_id: each credential the task
                       uses must list it in its "clients" (default: local)
  --headed             show the browser window
  --trace FILE.zip     write a Playwright trace of the run, completed or failed (mode 0600: it holds
                       what the pages showed and what the task typed); open it with
                       npx playwright show-trace FILE.zip

Prints the task's output as JSON (exit 0) or its failure as one line, "failed: TYPE: message" (exit 1);
an input the task's schema refuses exits 2, as a bad spec does. The task's log lines go to stderr.`;

const TaskRunArgs = z.object({
  action: z.literal('run', { error: 'task takes "run NAME"' }),
  name: z.string({ error: 'task run takes the task NAME' }).min(1),
  extra: z.array(z.string()).max(0, 'task run takes one task NAME'),
  input: z.string({ error: 'task run needs --input FILE (the task input, JSON)' }).min(1),
  account: z.string().regex(ID_PATTERN, '--account: a client_id (letters, digits, . _ -)').optional(),
  headed: z.boolean().default(false),
  trace: z
    .string()
    .min(1)
    .refine((path) => isDirectory(dirname(resolve(path))), '--trace: its directory must exist')
    .optional(),
});

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

interface TaskRunIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
  tasks: TaskRegistry;
}

/** `mlx-jobs task run …`: args are what follows `task`. */
export async function runTaskCommand(args: string[], io: TaskRunIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    {
      args,
      allowPositionals: true,
      options: {
        input: { type: 'string' },
        account: { type: 'string' },
        headed: { type: 'boolean' },
        trace: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    TASK_HELP,
  );
  if (values.help) {
    io.out(TASK_HELP);
    return 0;
  }
  const [action, name, ...extra] = positionals;
  const parsed = TaskRunArgs.safeParse({ ...values, action, name, extra });
  if (!parsed.success) throw new UsageError(parsed.error.issues[0]!.message, TASK_HELP);
  const run = parsed.data;
  if (!io.tasks.names().includes(run.name)) {
    throw new UsageError(`no task named "${run.name}"; known: ${io.tasks.names().join(', ')}`);
  }
  const input = readJsonFile(run.input, `--input ${run.input}`);
  const config = loadTaskRunConfig(io.env);
  const credentials = createCredentialStore(loadTaskSecrets(config.secrets));
  // As on a worker: no credential value reaches a log line, a span or the terminal.
  const secrets = [...settingSecrets(io.env), ...credentials.secretValues()];
  setOutputFilter(createRedactor(() => secrets));

  // The runner brings the launcher and Playwright: loaded by this command alone, so every other
  // command (and --help) starts without them.
  const { runTaskWith } = await import('../task-runner');
  const stop = new AbortController();
  const interrupt = () => stop.abort(new Error('interrupted (SIGINT)'));
  process.once('SIGINT', interrupt);
  try {
    const result = await runTaskWith(
      io.tasks.get(run.name),
      {
        input,
        clientId: run.account,
        headless: !run.headed,
        chromiumPath: config.chromiumPath,
        limits: config.taskLimits,
        log: createLogger({ level: config.logLevel, write: io.err }),
        signal: stop.signal,
        trace: run.trace && resolve(run.trace),
      },
      credentials,
    );
    if (result.trace) io.err(`trace: ${result.trace} (npx playwright show-trace ${result.trace})`);
    if (result.status === 'completed') {
      io.out(JSON.stringify(result.output, null, 2));
      return 0;
    }
    const { type, message } = result.failure;
    if (type === 'TaskInputInvalid') throw new UsageError(message);
    io.out(`failed: ${type}: ${message}`);
    return 1;
  } finally {
    process.off('SIGINT', interrupt);
  }
}
