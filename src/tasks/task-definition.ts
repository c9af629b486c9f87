import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { z } from 'zod';
import type { SecretStore } from '../secrets';
import type { Logger } from '../telemetry';

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

export interface TaskContext {
  readonly job: TaskJobInfo;
  readonly browser: Browser;
  /** The profile's own context: its cookies and storage persist between jobs. */
  readonly context: BrowserContext;
  readonly page: Page;
  readonly secrets: SecretStore;
  /** Aborted when the job is cancelled or the activity times out: stop promptly. */
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** Tells Temporal the task is alive; `progress` is kept as heartbeat details. */
  heartbeat(progress?: Record<string, unknown>): void;
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
  run(ctx: TaskContext, input: z.output<I>): Promise<z.input<O>>;
}

/** Keeps a task's input and output types tied to its schemas. */
export function defineTask<I extends z.ZodType, O extends z.ZodType>(
  task: TaskDefinition<I, O>,
): TaskDefinition<I, O> {
  return task;
}
