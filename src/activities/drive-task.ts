import type { ApplicationFailure } from '@temporalio/common';
import type { Browser, Page } from 'playwright-core';
import { failure, formatIssues } from '../contract';
import type { SecretStore } from '../secrets';
import { filterOutput, inSpan, type Logger } from '../telemetry';
import type { AskOptions, TaskContext, TaskDefinition, TaskJobInfo, TaskLimits } from '../tasks';
import { guardNavigation } from './navigation-guard';
import { removeOtherServiceWorkers } from './service-workers';
import { taskFailure } from './task-failure';
import { startTraceRecording, type TraceDetail, type TraceRecording } from './trace-recording';

/** The task's input through its own schema; TaskInputInvalid (not retried) naming each bad field. */
export function parseTaskInput(task: TaskDefinition, input: unknown): unknown {
  const parsed = task.input.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = formatIssues(parsed.error, 'task.input');
  throw failure('TaskInputInvalid', `task ${task.name}: ${problems.join('; ')}`, { details: { problems } });
}

export interface DriveTask {
  task: TaskDefinition;
  /** Already through parseTaskInput. */
  input: unknown;
  browser: Browser;
  job: TaskJobInfo;
  /** What every span the task opens (ctx.span) carries. */
  spanAttributes: Record<string, string>;
  /** The job's checked credentials. */
  secrets: SecretStore;
  /** The origins the credentials allow: every frame stays within them. None: no guard. */
  origins: readonly string[];
  limits: TaskLimits;
  /** Aborting it stops the task: its reason is what driveTask throws. */
  abort: AbortController;
  log: Logger;
  heartbeat(progress?: Record<string, unknown>): void;
  /** `ctx.ask`: asks a person, resolves with the answer. */
  ask(question: AskOptions): Promise<string>;
  /** The failure for a browser that went away under the task. */
  crashed(): ApplicationFailure;
  /** Record a Playwright trace of the task, for onFailure and onCompleted to keep (dropped otherwise). */
  trace?: TraceDetail;
  /**
   * The failure as reported, once the page is looked at (a screenshot, its URL, the trace), before the
   * browser closes.
   */
  onFailure(page: Page, failed: ApplicationFailure, trace?: TraceRecording): Promise<ApplicationFailure>;
  /** The task completed, its output checked: before the browser closes. */
  onCompleted?(trace?: TraceRecording): Promise<void>;
}

/**
 * Runs a task against an attached browser with the context a job gives it: the profile's own context
 * and first page, its checked credentials, the navigation guard, the limits, the abort signal. Returns
 * the output through the task's schema; throws a typed failure. Closes the CDP connection at the end
 * (the browser itself keeps running: the caller stops the profile). executeTask and mlx-jobs/testing
 * both drive tasks through this.
 */
export async function driveTask(run: DriveTask): Promise<unknown> {
  const { task, browser, abort, log } = run;
  // Closing the CDP connection makes any Playwright call in flight reject at once.
  const detach = () => void browser.close().catch(() => undefined);
  abort.signal.addEventListener('abort', detach);
  const onDisconnected = () => !abort.signal.aborted && abort.abort(run.crashed());
  browser.once('disconnected', onDisconnected);
  const context = browser.contexts()[0] ?? (await browser.newContext());
  const page = context.pages()[0] ?? (await context.newPage());
  if (run.origins.length) await removeOtherServiceWorkers(page, run.origins);
  const guard = run.origins.length ? await guardNavigation(browser, run.origins, log) : undefined;
  const trace = run.trace ? await startTraceRecording(context, log, run.trace) : undefined;
  try {
    const taskContext: TaskContext = {
      job: run.job,
      browser,
      context,
      page,
      secrets: run.secrets,
      limits: run.limits,
      signal: abort.signal,
      log,
      heartbeat: (progress) => run.heartbeat(progress),
      ask: (question) => run.ask(question),
      span: (name, fn, attributes) =>
        inSpan(name, { ...run.spanAttributes, ...redactedAttributes(attributes) }, () => fn()),
    };
    log.info('task started');
    const running = task.run(taskContext, run.input);
    const aborted = new Promise<never>((_, reject) => {
      abort.signal.addEventListener('abort', () => reject(abort.signal.reason as Error));
    });
    running.catch(() => undefined); // its rejection is handled through the race below
    const output = await Promise.race([running, aborted]);
    if (guard?.blocked()) throw guard.refusal();
    const parsedOutput = task.output.safeParse(output);
    if (!parsedOutput.success) {
      const problems = formatIssues(parsedOutput.error, 'output');
      throw failure('TaskOutputInvalid', `task ${task.name}: ${problems.join('; ')}`, {
        details: { problems },
      });
    }
    log.info('task finished');
    await run.onCompleted?.(trace);
    return parsedOutput.data;
  } catch (err) {
    if (abort.signal.aborted) throw abort.signal.reason as Error;
    if (!browser.isConnected()) throw run.crashed();
    const failed = guard?.blocked() ? guard.refusal() : taskFailure(err, task.failures);
    throw await run.onFailure(page, failed, trace);
  } finally {
    abort.signal.removeEventListener('abort', detach);
    await trace?.discard();
    await guard?.remove();
    browser.off('disconnected', onDisconnected);
    await browser.close().catch(() => undefined);
  }
}

/** A task's own span attributes, with any secret the worker knows (a credential, a secret answer) redacted. */
function redactedAttributes(
  attributes: Record<string, string | number | boolean> = {},
): Record<string, string | number | boolean> {
  return Object.fromEntries(
    Object.entries(attributes).map(([key, value]) => [
      key,
      typeof value === 'string' ? filterOutput(value) : value,
    ]),
  );
}
