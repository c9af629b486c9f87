/** The worker process (src/worker.ts) with the test tasks registered too: tests spawn this one. */
import { ConfigError } from '../../src/config/worker-config';
import { runWorker } from '../../src/worker-process/run-worker';
import { builtinTasks } from '../../src/tasks';
import { createTaskRegistry } from '../../src/tasks/registry';
import { testTasks } from './test-tasks';

runWorker(createTaskRegistry([...builtinTasks, ...testTasks])).catch((err: unknown) => {
  console.error(err instanceof ConfigError ? `mlx-worker: ${err.message}` : err);
  process.exit(err instanceof ConfigError ? 2 : 1);
});
