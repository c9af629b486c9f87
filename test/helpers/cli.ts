import { cliFailure, runCli } from '../../src/cli/run-cli';
import { builtinTasks, createTaskRegistry } from '../../src/tasks';
import type { CliRun } from './spawn';
import { testTasks } from './test-tasks';

const withTestTasks = createTaskRegistry([...builtinTasks, ...testTasks]);

/**
 * Runs an mlx-jobs command in this process, with `env` as its whole environment on top of this process's
 * (as runCli of ./spawn passes it; the test tasks known too unless `testTasks` is false), and answers as that spawned run would: the exit code the process
 * would exit with and its stdout and stderr. For tests of what a command prints; one spawned run per
 * command still proves the process itself (exit codes, stdin, flushing).
 */
export async function runCliHere(
  args: string[],
  env: NodeJS.ProcessEnv,
  options: { testTasks?: boolean } = { testTasks: true },
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const line = (text: string) => `${text}\n`;
  const io = {
    err: (text: string) => (stderr += line(text)),
    write: (text: string) => void (stderr += text),
    tty: false,
    // Without the test tasks: the installation's, as bin/mlx-jobs finds them (MLX_TASKS_MODULE or built-in).
    tasks: options.testTasks ? withTestTasks : undefined,
    env: { ...process.env, ...env },
  };
  try {
    const code = await runCli(args, (text) => (stdout += line(text)), io);
    return { code, stdout, stderr };
  } catch (err) {
    const failure = cliFailure(err);
    for (const item of failure.stderr) stderr += line(item);
    return { code: failure.code, stdout, stderr };
  }
}
