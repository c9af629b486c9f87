// The agency's tasks: what MLX_TASKS_MODULE points at, for the worker and the mlx-jobs CLI alike.
const { readPayouts } = require('./read-payouts');

exports.tasks = [readPayouts];
