/** The worker process (src/worker.ts) with the test tasks registered too: tests spawn this one. */
import { ConfigError } from '../../src/config';
import { runWorker } from '../../src/worker-process/run-worker';
import { builtinTasks, createTaskRegistry } from '../../src/tasks';
import { testTasks } from './test-tasks';

runWorker(createTaskRegistry([...builtinTasks, ...testTasks])).catch((err: unknown) => {
  console.error(err instanceof ConfigError ? `mlx-worker: ${err.message}` : err);
  process.exit(err instanceof ConfigError ? 2 : 1);
});
