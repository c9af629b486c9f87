import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { checkJobAccess, driveTask, parseTaskInput, type TraceRecording } from '../activities';
import { connectProfileBrowser } from '../cdp';
import { asFailure, failure, NON_RETRYABLE_ERROR_TYPES, type ErrorType } from '../contract';
import { startLocalLauncher } from '../launcher';
import { createLauncherClient } from '../mlx';
import { createCredentialStore, parseSecrets, type CredentialStore } from '../secrets';
import { createLogger, type Logger } from '../telemetry';
import {
  createTaskRegistry,
  DEFAULT_TASK_LIMITS,
  type AskOptions,
  type TaskDefinition,
  type TaskLimits,
} from '../tasks';

export interface RunTaskOptions {
  /** The task input, as a JobSpec's `task.input` carries it (checked by the task's schema). */
  input: unknown;
  /**
   * The credentials, as the worker's secrets file holds them (`{ "shop-42": { "username": …,
   * "password": …, "origins": […], "clients": […] } }`): checked for `clientId` and the origins as in a job.
   */
  secrets?: Record<string, unknown>;
  /** The job's client (the credentials' `clients` must list it). Default `local`. */
  clientId?: string;
  /** The job the task sees in `ctx.job`; ids made up when left out. */
  job?: { job_id?: string; profile_id?: string; platform?: string };
  limits?: Partial<TaskLimits>;
  /** Default true. */
  headless?: boolean;
  /** Default MLX_CHROMIUM_PATH, else /usr/bin/chromium. */
  chromiumPath?: string;
  /** Where the local profile lives (its cookies persist there); a temporary one, removed after, by default. */
  dataDir?: string;
  /** The task's log lines; silent by default. */
  log?: Logger;
  /** Stops the task (as a job's cancellation would). */
  signal?: AbortSignal;
  /**
   * Where to write a Playwright trace of the run (a zip, mode 0600; `npx playwright show-trace PATH`
   * opens it), whether the task completes or fails. Its directory must exist.
   */
  trace?: string;
  /**
   * Answers the task's `ctx.ask` as an operator would; without it, an ask fails as HumanAnswerTimeout
   * (nobody answers).
   */
  answer?: (question: AskOptions) => string | Promise<string>;
}

export type TaskRunResult = (
  | { status: 'completed'; output: unknown }
  | {
      status: 'failed';
      failure: { type: string; message: string; retryable: boolean; details?: Record<string, unknown> };
    }
) & {
  /** The trace written (the `trace` option), when the browser started. */
  trace?: string;
};

/**
 * Runs one task on a local Chromium profile started by the embedded launcher, with the context a job
 * gives it (its checked credentials, the navigation guard, the limits), without Temporal. Resolves with
 * the output, or with the typed failure the job would report; rejects only when the browser cannot start
 * or the trace cannot be written.
 */
export function runTask(task: TaskDefinition, options: RunTaskOptions): Promise<TaskRunResult> {
  const secrets = createCredentialStore(
    options.secrets ? parseSecrets(JSON.stringify(options.secrets), 'the secrets option') : {},
  );
  return runTaskWith(task, options, secrets);
}

/** runTask with the credentials already parsed (`mlx-jobs task run`: the worker's secrets settings). */
export async function runTaskWith(
  task: TaskDefinition,
  options: Omit<RunTaskOptions, 'secrets'>,
  secrets: CredentialStore,
): Promise<TaskRunResult> {
  const clientId = options.clientId ?? 'local';
  const job = {
    job_id: options.job?.job_id ?? `local-${task.name}`,
    profile_id: options.job?.profile_id ?? randomUUID(),
    // One folder for every run: the launcher binds a profile to the folder of its first start, so a
    // profile kept in `dataDir` opens again on the next run.
    folder_id: 'local',
    platform: options.job?.platform ?? 'local',
    client_id: clientId,
  };
  const log = options.log ?? createLogger({ write: () => undefined });
  let input: unknown;
  let uses;
  try {
    input = parseTaskInput(task, options.input);
    uses = checkJobAccess({ secrets, tasks: createTaskRegistry([task]) }, job, {
      name: task.name,
      input: options.input as Record<string, unknown>,
    });
  } catch (err) {
    return failed(err);
  }
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'mlx-task-run-')));
  const token = randomBytes(16).toString('hex');
  const launcher = await startLocalLauncher({
    chromiumPath: options.chromiumPath ?? process.env.MLX_CHROMIUM_PATH ?? '/usr/bin/chromium',
    dataDir,
    token,
    maxProfiles: 1,
  });
  const client = createLauncherClient({ baseUrl: launcher.url, token });
  const abort = new AbortController();
  const forward = () => abort.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', forward);
  const trace = traceKeeper(options.trace);
  try {
    const { port } = await client.startProfile({
      profileId: job.profile_id,
      folderId: job.folder_id,
      headless: options.headless ?? true,
    });
    const { browser } = await connectProfileBrowser('127.0.0.1', port, { signal: abort.signal });
    const output = await driveTask({
      task,
      input,
      browser,
      job: { ...job, attempt: 1 },
      spanAttributes: { 'mlx.job_id': job.job_id, 'mlx.task': task.name },
      secrets: secrets.forJob(uses, clientId),
      origins: uses.length ? secrets.originsOf(uses) : [],
      limits: { ...DEFAULT_TASK_LIMITS, ...options.limits },
      abort,
      log,
      heartbeat: () => undefined,
      ask: async (question) => {
        if (options.answer) return options.answer(question);
        throw failure('HumanAnswerTimeout', `runTask: no answer option to answer "${question.kind}"`);
      },
      crashed: () =>
        ApplicationFailure.create({ type: 'BrowserCrashed', message: 'the browser exited during the task' }),
      trace: options.trace === undefined ? undefined : 'full',
      onFailure: async (_page, failure, recording) => {
        await trace.keep(recording);
        return failure;
      },
      onCompleted: (recording) => trace.keep(recording),
    });
    return trace.result({ status: 'completed', output });
  } catch (err) {
    return trace.result(failed(err));
  } finally {
    options.signal?.removeEventListener('abort', forward);
    await client.stopProfile(job.profile_id).catch(() => undefined);
    await launcher.close();
    if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
  }
}

/** Keeps the run's trace at `path`; a trace that cannot be written makes the run reject. */
function traceKeeper(path: string | undefined) {
  let written: string | undefined;
  let error: Error | undefined;
  return {
    async keep(recording: TraceRecording | undefined) {
      if (path === undefined) return;
      if (!recording) {
        error = new Error(`the Playwright trace for ${path} could not be started`);
        return;
      }
      try {
        const saved = await recording.save(path);
        if ('path' in saved) written = saved.path;
      } catch (err) {
        error = new Error(`cannot write the Playwright trace to ${path}: ${(err as Error).message}`);
      }
    },
    result(outcome: TaskRunResult): TaskRunResult {
      if (error) throw error;
      return written === undefined ? outcome : { ...outcome, trace: written };
    },
  };
}

function failed(err: unknown): TaskRunResult {
  // A task's own failure types are ApplicationFailures too, outside the built-in taxonomy.
  const failure = err instanceof ApplicationFailure ? err : asFailure(err, 'TaskFailed');
  const type = failure.type ?? 'TaskFailed';
  const details = failure.details?.[0] as Record<string, unknown> | undefined;
  return {
    status: 'failed',
    failure: {
      type,
      message: failure.message,
      retryable: !failure.nonRetryable && !NON_RETRYABLE_ERROR_TYPES.includes(type as ErrorType),
      ...(details && { details }),
    },
  };
}
