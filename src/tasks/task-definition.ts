import type { Duration } from '@temporalio/common';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { z } from 'zod';
import type { CredentialUse, SecretStore } from '../secrets';
import type { Logger } from '../telemetry';
import { isErrorType } from '../contract';
import type { FailureClass } from './task-error';

/** Caps on the work one task run does (MLX_TASK_MAX_*): a page never decides how much a job does. */
export interface TaskLimits {
  /** Pages of a list the task reads. */
  readonly pages: number;
  /** Rows the task reads (from the pages, and again from an export). */
  readonly rows: number;
  /** Bytes of one downloaded export. */
  readonly exportBytes: number;
}

export const DEFAULT_TASK_LIMITS: TaskLimits = { pages: 500, rows: 50_000, exportBytes: 32 * 1024 * 1024 };

/** What a task sees of the job it runs for (no secrets here). */
export interface TaskJobInfo {
  readonly job_id: string;
  readonly profile_id: string;
  readonly platform: string;
  readonly client_id: string;
  /** The schedule that started the job, for scheduled runs. */
  readonly schedule_id?: string;
  readonly attempt: number;
}

/** A question for a person (`ctx.ask`): a one-time code, a picture check, a confirmation. */
export interface AskOptions {
  /** A short word for what is asked: `otp`, `captcha`, `confirm` (a-z, 0-9, `_`, `-`; at most 40). */
  readonly kind: string;
  /** What the operator reads, e.g. "Code sent to the shop owner's phone". Never put a secret here. */
  readonly prompt: string;
  /** How long to wait: '15m', '90s' or milliseconds; the job bounds it (1 hour, 4 hours per job). */
  readonly timeout: Duration;
  /** The answer is a secret (a one-time code): redacted from logs, spans and failure text. */
  readonly secret?: boolean;
}

export interface TaskContext {
  readonly job: TaskJobInfo;
  readonly browser: Browser;
  /** The profile's own context: its cookies and storage persist between jobs. */
  readonly context: BrowserContext;
  readonly page: Page;
  /** Only the credentials the task declared for this job (`credentials`), checked for its client. */
  readonly secrets: SecretStore;
  readonly limits: TaskLimits;
  /** Aborted when the job is cancelled or the activity times out: stop promptly. */
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** Tells Temporal the task is alive; `progress` is kept as heartbeat details. */
  heartbeat(progress?: Record<string, unknown>): void;
  /**
   * Asks a person and waits for the answer (`mlx-jobs answer JOB_ID`), the browser kept open and the
   * lease renewed meanwhile; throws HumanAnswerTimeout when no answer comes in time.
   */
  ask(question: AskOptions): Promise<string>;
  /** Runs `fn` in a child span of the task's span (e.g. "sync_orders.login"); never put secrets in attributes. */
  span<T>(
    name: string,
    fn: () => Promise<T>,
    attributes?: Record<string, string | number | boolean>,
  ): Promise<T>;
}

export interface TaskDefinition<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly description: string;
  readonly input: I;
  readonly output: O;
  /** An input that validates, for `mlx-jobs tasks show` (an example spec clients can start from). */
  readonly example?: z.input<I>;
  /**
   * The credentials the task types into pages, and where: checked against the credential's origins and
   * clients before the browser starts; every frame of the task's pages may then navigate only within the origins
   * of these credentials. A task that uses none leaves it out.
   */
  credentials?(input: z.output<I>): CredentialUse[];
  /**
   * The task's own failure types (defineFailure), each retried or not as it says. A task may also throw
   * TaskError (TaskFailed, retried), PlatformAuthFailed, PlatformBanned and TaskLimitExceeded; any other
   * error is a TaskFailed whose message names only the Playwright action that failed.
   */
  readonly failures?: readonly FailureClass[];
  run(ctx: TaskContext, input: z.output<I>): Promise<z.input<O>>;
}

/** Keeps a task's input and output types tied to its schemas. */
export function defineTask<I extends z.ZodType, O extends z.ZodType>(
  task: TaskDefinition<I, O>,
): TaskDefinition<I, O> {
  for (const failure of task.failures ?? []) {
    if (isErrorType(failure.type)) {
      throw new Error(
        `task ${task.name}: ${failure.type} is a built-in failure type; throw its class, do not declare it`,
      );
    }
  }
  return task;
}
