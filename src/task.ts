/**
 * `mlx-jobs/task`: what a task author writes against. `defineTask`, the context a task runs with, and
 * the failures it throws (TaskError and its kind; defineFailure for types of the task's own).
 * A task module is loaded by the worker (and by the CLI, to describe and check it), never by the
 * workflows: task code runs in the `executeTask` activity only.
 */
export {
  defineTask,
  DEFAULT_TASK_LIMITS,
  syncOrders,
  type AskOptions,
  type TaskContext,
  type TaskDefinition,
  type TaskJobInfo,
  type TaskLimits,
  defineFailure,
  PlatformAuthFailed,
  PlatformBanned,
  TaskError,
  TaskLimitExceeded,
  type FailureClass,
  type TaskErrorOptions,
} from './tasks';
export type { Credential, CredentialUse, SecretStore } from './secrets';
export type { Logger } from './telemetry';
