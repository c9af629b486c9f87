/**
 * The worker process (src/worker.ts) with the test tasks registered too: tests spawn this one. It runs the
 * workflow bundle built once per test run (src/dev/workflow-bundle.ts); a test that proves the
 * production start, bundling included, spawns src/worker.ts instead.
 */
import { ConfigError } from '../../src/config';
import { runWorker } from '../../src/worker-process/run-worker';
import { builtinTasks, createTaskRegistry } from '../../src/tasks';
import { testTasks } from './test-tasks';
import { workflowBundlePath } from '../../src/dev/workflow-bundle';

workflowBundlePath()
  .then((codePath) => runWorker(createTaskRegistry([...builtinTasks, ...testTasks]), { codePath }))
  .catch((err: unknown) => {
    console.error(err instanceof ConfigError ? `mlx-worker: ${err.message}` : err);
    process.exit(err instanceof ConfigError ? 2 : 1);
  });
