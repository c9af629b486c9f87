import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { tiedToParent } from '../../src/dev/tied-to-parent';

const ROOT = join(__dirname, '..', '..');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI entry point with the test tasks known too (test/helpers/test-cli.ts). */
const TEST_CLI = join(ROOT, 'test', 'helpers', 'test-cli.ts');

/**
 * Runs the mlx-jobs CLI as a user would (bin/mlx-jobs; with `testTasks`, the same CLI knowing the test
 * tasks too), with `env` on top of this process's environment.
 */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  stdin?: string,
  options: { testTasks?: boolean } = { testTasks: true },
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const [command, ...prefix] = options.testTasks
      ? [join(ROOT, 'node_modules', '.bin', 'tsx'), TEST_CLI]
      : [join(ROOT, 'bin', 'mlx-jobs')];
    const child = spawn(command, [...prefix, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

export interface WorkerProcess {
  child: ChildProcess;
  /** Every line the worker logged so far (JSON lines on stderr). */
  lines(): string[];
  exited: Promise<number | null>;
  /** The worker's /metrics URL, from its start-up line. */
  metricsUrl: string;
  /** Where the Temporal SDK's exporter serves its metrics (MLX_SDK_METRICS_ADDRESS), from the same line. */
  sdkMetricsUrl: string;
}

/** The worker entry point with the test tasks registered as well (test/helpers/test-worker.ts). */
export const TEST_WORKER = join(ROOT, 'test', 'helpers', 'test-worker.ts');

/**
 * Starts src/worker.ts (or `script`, with `nodeArgs` before it: plain node for compiled JavaScript) as
 * its own process and resolves once it polls its queues. A start
 * bundles the workflows (webpack), which takes a minute and more on a busy 2-core machine: the bound is
 * there to end a hung start, not to time it.
 */
export async function startWorkerProcess(
  env: NodeJS.ProcessEnv,
  timeoutMs = 180_000,
  script = join(ROOT, 'src', 'worker.ts'),
  nodeArgs = ['--import', 'tsx'],
  cwd?: string,
): Promise<WorkerProcess> {
  const worker = tiedToParent(process.execPath, [...nodeArgs, script]);
  const child = spawn(worker.command, worker.args, {
    cwd,
    // Metrics on a free port unless the test picks one: tests run beside each other on one machine.
    // Browsers stopped as each job ends unless the test keeps them warm (MLX_PROFILE_LINGER_MS).
    env: {
      MLX_METRICS_ADDRESS: '127.0.0.1:0',
      MLX_SDK_METRICS_ADDRESS: '127.0.0.1:0',
      MLX_PROFILE_LINGER_MS: '0',
      ...process.env,
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const output: string[] = [];
  let partial = '';
  child.stderr.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString();
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    output.push(...parts);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + timeoutMs;
  while (!output.some((line) => line.includes('"worker started"'))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`worker did not start:\n${output.join('\n')}${partial}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const startLine = output.find((line) => line.includes('"worker started"'))!;
  const { metrics, sdk_metrics } = JSON.parse(startLine) as { metrics: string; sdk_metrics: string };
  return { child, lines: () => [...output], exited, metricsUrl: metrics, sdkMetricsUrl: sdk_metrics };
}
