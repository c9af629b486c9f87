/**
 * `mlx-jobs/worker`: run a worker with your tasks. Run directly (`node dist/worker.js`, the Docker
 * image's command), it is the worker process: its tasks from MLX_TASKS_MODULE, else the built-in ones.
 * Either way it polls the shared task queue and its own host queue, runs the embedded local launcher
 * unless MLX_LAUNCHER_URL points at a real MLX agent, and stops every profile it opened on SIGINT/SIGTERM.
 */
import { ConfigError } from './config';
import { createTaskRegistry, type TaskDefinition } from './tasks';
import { runWorker as runWorkerProcess } from './worker-process/run-worker';

export { ConfigError };

export interface RunWorkerOptions {
  /**
   * The tasks this worker runs. Default: those of the module MLX_TASKS_MODULE names, else the built-in
   * `sync_orders`. The CLI must know the same list (MLX_TASKS_MODULE) to check specs at submit.
   */
  tasks?: readonly TaskDefinition[];
}

/**
 * Runs a worker configured by the environment (TEMPORAL_ADDRESS, MLX_TASK_QUEUE, …: README) until
 * SIGINT or SIGTERM (the first drains, a second stops at once). Rejects with ConfigError on a bad setting.
 */
export function runWorker(options: RunWorkerOptions = {}): Promise<void> {
  return runWorkerProcess(options.tasks && createTaskRegistry(options.tasks));
}

if (require.main === module) {
  runWorker().catch((err: unknown) => {
    if (err instanceof ConfigError) {
      console.error(`mlx-worker: ${err.message}`);
      process.exit(2);
    }
    console.error(err);
    process.exit(1);
  });
}
