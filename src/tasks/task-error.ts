/**
 * The failures a task throws on purpose, as classes. `instanceof` checks a brand registered under
 * Symbol.for and the failure type, not the class object: an error made by another copy of mlx-jobs (the
 * task module's own install beside the worker's) is still recognised.
 */
const BRAND = Symbol.for('mlx-jobs.TaskError');
/** Marks TaskError itself: every branded error is a TaskError, a subclass matches its own type only. */
const BASE = Symbol.for('mlx-jobs.TaskError.base');

export interface TaskErrorOptions {
  /** Facts for operators (status, result, the dead letter); never secrets. */
  details?: Record<string, unknown>;
}

export class TaskError extends Error {
  /** The failure type this class throws (`TaskFailed`: retried by the executeTask policy). */
  static readonly type: string = 'TaskFailed';
  static readonly retryable: boolean = true;
  static readonly description: string = 'the task failed';
  readonly type: string;
  readonly details?: Record<string, unknown>;

  constructor(message: string, options: TaskErrorOptions = {}) {
    super(message);
    const failureClass = new.target as unknown as FailureClass;
    this.type = failureClass.type;
    this.name = failureClass.type;
    if (options.details) this.details = options.details;
    Object.defineProperty(this, BRAND, { value: true });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== 'object' || value === null || (value as Record<symbol, unknown>)[BRAND] !== true) {
      return false;
    }
    return Object.prototype.hasOwnProperty.call(this, BASE) || (value as TaskError).type === this.type;
  }
}

Object.defineProperty(TaskError, BASE, { value: true });

/** A failure class: TaskError, a built-in one below or one made by defineFailure. */
export type FailureClass = (new (message: string, options?: TaskErrorOptions) => TaskError) & {
  readonly type: string;
  readonly retryable: boolean;
  readonly description: string;
};

/** The built-in types a task may throw, as classes; their retry is the taxonomy's (src/contract/failures.ts). */
export class PlatformAuthFailed extends TaskError {
  static override readonly type = 'PlatformAuthFailed';
  static override readonly retryable = false;
  static override readonly description = 'the platform refused the login';
}
export class PlatformBanned extends TaskError {
  static override readonly type = 'PlatformBanned';
  static override readonly retryable = false;
  static override readonly description = 'the platform banned or suspended the account';
}
export class TaskLimitExceeded extends TaskError {
  static override readonly type = 'TaskLimitExceeded';
  static override readonly retryable = false;
  static override readonly description = 'the task reached a configured cap on pages, rows or export bytes';
}

export const BUILTIN_TASK_FAILURES: readonly FailureClass[] = [
  TaskError,
  PlatformAuthFailed,
  PlatformBanned,
  TaskLimitExceeded,
];

/**
 * A failure type of the task's own, e.g. `defineFailure('ReportNotReady', { retryable: true, … })`:
 * list it in the task's `failures` and throw `new ReportNotReady(message, { details })`. Not retryable:
 * the job fails at once (or is parked as a dead letter, as any failure is).
 */
export function defineFailure(
  type: string,
  options: { retryable: boolean; description: string },
): FailureClass {
  if (!/^[A-Z][A-Za-z0-9]{2,63}$/.test(type)) {
    throw new Error(`failure type "${type}" must be a PascalCase name such as ReportNotReady`);
  }
  const failureClass = class extends TaskError {
    static override readonly type = type;
    static override readonly retryable = options.retryable;
    static override readonly description = options.description;
  };
  Object.defineProperty(failureClass, 'name', { value: type });
  return failureClass;
}
