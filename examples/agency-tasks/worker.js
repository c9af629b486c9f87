// The agency's worker: mlx-jobs' worker running this project's tasks. Settings come from the
// environment (TEMPORAL_ADDRESS, MLX_TASK_SECRETS_FILE, …); run the CLI with MLX_TASKS_MODULE=tasks/index.js
// so it describes and checks the same tasks.
const { ConfigError, runWorker } = require('mlx-jobs/worker');
const { tasks } = require('./tasks');

runWorker({ tasks }).catch((err) => {
  console.error(err instanceof ConfigError ? `agency worker: ${err.message}` : err);
  process.exit(err instanceof ConfigError ? 2 : 1);
});
