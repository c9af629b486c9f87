/**
 * `mlx-jobs/testing`: run a task in your own test runner, against a page you serve, with the context a
 * job gives it (checked credentials, the navigation guard, limits) on a local Chromium, without Temporal.
 */
export { runTask, type RunTaskOptions, type TaskRunResult } from './task-runner';
