import type { TaskLimits } from '../tasks';
import { parseEnv, setVariables, type Env } from './env';
import { taskLimitsOf, WorkerEnvSchema } from './worker-config';

/** What `mlx-jobs task run` takes from the worker's settings: a task gets the context a job gives it. */
export interface TaskRunConfig {
  secrets: { file?: string; json?: string };
  taskLimits: TaskLimits;
  chromiumPath: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

const TaskRunEnvSchema = WorkerEnvSchema.pick({
  MLX_TASK_SECRETS_FILE: true,
  MLX_TASK_SECRETS: true,
  MLX_TASK_MAX_PAGES: true,
  MLX_TASK_MAX_ROWS: true,
  MLX_TASK_MAX_EXPORT_BYTES: true,
  MLX_CHROMIUM_PATH: true,
  MLX_LOG_LEVEL: true,
});

/** The worker's task settings, read and refused as the worker reads them (one line naming the variable). */
export function loadTaskRunConfig(env: Env = process.env): TaskRunConfig {
  const e = parseEnv(TaskRunEnvSchema, setVariables(env));
  return {
    secrets: { file: e.MLX_TASK_SECRETS_FILE, json: e.MLX_TASK_SECRETS },
    taskLimits: taskLimitsOf(e),
    chromiumPath: e.MLX_CHROMIUM_PATH,
    logLevel: e.MLX_LOG_LEVEL,
  };
}
