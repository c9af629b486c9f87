/** The mlx-jobs CLI (bin/mlx-jobs) with the test tasks known too, as the test worker runs them. */
import { runCliProcess } from '../../src/cli/main';
import { builtinTasks, createTaskRegistry } from '../../src/tasks';
import { testTasks } from './test-tasks';

runCliProcess(process.argv.slice(2), createTaskRegistry([...builtinTasks, ...testTasks]));
