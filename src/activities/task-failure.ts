import { ApplicationFailure } from '@temporalio/common';
import { failure, isErrorType, printable } from '../contract';
import { BUILTIN_TASK_FAILURES, TaskError, type FailureClass } from '../tasks';
import { redactedPrintable } from '../telemetry';

/**
 * The failure a task's error becomes. A taxonomy failure the task threw on purpose is kept (without
 * its cause chain). A TaskError keeps its type and message when the type is one a task may throw or one
 * the task declares (`declared`, retried as the declaration says); an undeclared one is a TaskFailed
 * that names it. Anything else, a Playwright error above all, becomes a TaskFailed with a fixed
 * message: the action that failed and the selector it waited for. Playwright's call log, which quotes
 * the values it typed (`- fill("<password>")`), and the original error never leave the task.
 */
export function taskFailure(err: unknown, declared: readonly FailureClass[] = []): ApplicationFailure {
  if (err instanceof ApplicationFailure && isErrorType(err.type)) {
    return ApplicationFailure.create({
      type: err.type,
      message: err.message,
      details: err.details ? [...err.details] : undefined,
      nextRetryDelay: err.nextRetryDelay ?? undefined,
      nonRetryable: err.nonRetryable ?? undefined,
    });
  }
  if (err instanceof TaskError) return thrownFailure(err, declared);
  return failure('TaskFailed', describeTaskError(err));
}

function thrownFailure(err: TaskError, declared: readonly FailureClass[]): ApplicationFailure {
  const message = redactedPrintable(err.message, 1_000) || err.type;
  const builtin = BUILTIN_TASK_FAILURES.find((known) => known.type === err.type);
  if (builtin && isErrorType(builtin.type)) return failure(builtin.type, message, { details: err.details });
  const own = declared.find((known) => known.type === err.type);
  if (!own) {
    return failure(
      'TaskFailed',
      `the task threw ${printable(err.type, 64)}, a failure type it does not declare: ${message}`,
      { details: err.details },
    );
  }
  return ApplicationFailure.create({
    type: own.type,
    message,
    details: err.details ? [err.details] : undefined,
    nonRetryable: !own.retryable,
  });
}

/**
 * `locator.fill: Timeout 20000ms exceeded (waiting for getByLabel('Password'))` for a Playwright error,
 * else the first line of the error's message (or its name).
 */
export function describeTaskError(err: unknown): string {
  if (!(err instanceof Error)) return 'the task failed';
  // Playwright dims its call log lines with terminal colour codes.
  // eslint-disable-next-line no-control-regex
  const [first = '', ...rest] = err.message.replace(/\u001b\[[0-9;]*m/g, '').split('\n');
  // Playwright's first line is `<api call>: <what went wrong>`; everything after it is the call log.
  const action =
    /^([a-zA-Z]+(?:\.[a-zA-Z]+)+): (Timeout \d+ms exceeded|Target (?:page, context or browser )?(?:has been )?closed|[A-Za-z ]{1,60})/.exec(
      first,
    );
  const waiting = rest
    .map((line) => /^\s*- waiting for (.{1,200})$/.exec(line)?.[1])
    .find((selector) => selector !== undefined);
  if (action) {
    return redactedPrintable(`${action[1]}: ${action[2]}${waiting ? ` (waiting for ${waiting})` : ''}`, 500);
  }
  // The task's own error: its first line only (its author's words; the worker's secrets are redacted
  // from it at the step boundary like from everything else), never the lines after it.
  return redactedPrintable(first.trim(), 200) || `the task failed with ${printable(err.name, 60)}`;
}
