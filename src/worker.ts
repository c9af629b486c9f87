/**
 * Worker process: polls the shared task queue and its own host queue, runs the embedded local launcher
 * unless MLX_LAUNCHER_URL points at a real MLX agent, and stops every profile it opened on SIGINT/SIGTERM.
 */
import { ConfigError } from './config';
import { runWorker } from './worker-process/run-worker';

runWorker().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(`mlx-worker: ${err.message}`);
    process.exit(2);
  }
  console.error(err);
  process.exit(1);
});
