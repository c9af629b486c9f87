/**
 * `npm test` (after lint and type checks) and `npm run test:unit`: runs every test file as its own
 * process, with what the files share built or started once per run, and closes with the ten slowest
 * files and `N passed, N failed, N skipped`.
 *
 * Shared per run: the workflow bundle (src/dev/workflow-bundle.ts, cached across runs by the hash of
 * its sources), one Temporal dev server (a namespace per harness, test/helpers/temporal.ts) and one Redis
 * (a key prefix per harness, test/helpers/redis.ts), passed to the files by environment. A file run alone
 * starts its own. The servers are tied to this process (src/dev/tied-to-parent.ts): they stop with it,
 * even when it is killed.
 *
 * Usage: node --import tsx test/suite/run.ts [--unit] [file ...]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { startDevServer, type DevServer } from '../../src/dev/temporal-dev-server';
import { tiedToParent } from '../../src/dev/tied-to-parent';
import { SHARED_REDIS_ENV, startRedis, type RedisServer } from '../helpers/redis';
import { SHARED_TEMPORAL_ENV } from '../helpers/temporal';
import { workflowBundlePath } from '../../src/dev/workflow-bundle';
import { fileResult, summary, type FileResult } from './summary';

const ROOT = join(__dirname, '..', '..');
/** Unit files whose tests wait on real timers: run alone, so a busy core does not stretch their windows. */
const TIMED_UNIT_FILES = ['lease-keeper', 'lease-renewal', 'mlx-auth', 'worker-capacity'];
/** Ends a hung file; the longest, faults-burst.test.ts, takes minutes. */
const FILE_TIMEOUT_MS = 15 * 60_000;
/**
 * Integration files run two at a time (MLX_TEST_CONCURRENCY), the longest first: faults-burst.test.ts
 * alone (160 real Chromium starts, about six minutes here) takes most of a run, and the other files run
 * beside it. Most of an integration file's time is waiting (timers, retries, a browser starting).
 */
const INTEGRATION_CONCURRENCY = Number(process.env.MLX_TEST_CONCURRENCY ?? 2);
const LONGEST_FIRST = ['faults-burst'];

const testFiles = (dir: string) =>
  readdirSync(join(ROOT, 'test', dir))
    .filter((name) => name.endsWith('.test.ts'))
    .sort()
    .map((name) => join('test', dir, name));

interface Services {
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

async function startServices(): Promise<Services> {
  const started: { temporal?: DevServer; redis?: RedisServer } = {};
  const stop = async () => {
    await Promise.all([started.temporal?.stop(), started.redis?.stop()]);
  };
  try {
    await Promise.all([
      startDevServer().then((server) => (started.temporal = server)),
      startRedis().then((redis) => (started.redis = redis)),
    ]);
  } catch (err) {
    await stop();
    throw err;
  }
  const { temporal, redis } = started as Required<typeof started>;
  return {
    env: {
      [SHARED_TEMPORAL_ENV.address]: temporal.address,
      [SHARED_TEMPORAL_ENV.uiUrl]: temporal.uiUrl,
      [SHARED_TEMPORAL_ENV.pid]: String(temporal.pid),
      [SHARED_REDIS_ENV]: redis.url,
    },
    stop,
  };
}

/** Runs one file as its own process: spec output to the terminal, TAP to `tapFile` for the counts. */
function runFile(
  file: string,
  env: NodeJS.ProcessEnv,
  tapFile: string,
  output: (text: string) => void,
): Promise<FileResult> {
  const started = Date.now();
  const command = tiedToParent(process.execPath, [
    '--import',
    'tsx',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tapFile}`,
    file,
  ]);
  const child = spawn(command.command, command.args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (chunk: Buffer) => output(chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => output(chunk.toString()));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, FILE_TIMEOUT_MS);
  return new Promise((resolve) => {
    child.once('close', (code) => {
      clearTimeout(timer);
      let tap = '';
      try {
        tap = readFileSync(tapFile, 'utf8');
      } catch {
        // no report: the process died before it wrote one, counted as a failure below
      }
      resolve(fileResult(file, Date.now() - started, tap, { code, timedOut }));
    });
  });
}

/**
 * Runs `files`, `concurrency` at a time. One at a time, a file's output is shown as it comes; side by side,
 * each file's output is shown whole when it ends, so files do not interleave.
 */
async function runFiles(
  files: string[],
  concurrency: number,
  env: NodeJS.ProcessEnv,
  reportDir: string,
): Promise<FileResult[]> {
  const results: FileResult[] = [];
  const queue = [...files];
  const lane = async () => {
    for (let file = queue.shift(); file; file = queue.shift()) {
      const tapFile = join(reportDir, `${relative('test', file).replace(/\W/g, '_')}.tap`);
      let buffered = '';
      if (concurrency === 1) process.stdout.write(`\n# ${file}\n`);
      const result = await runFile(file, env, tapFile, (text) =>
        concurrency === 1 ? process.stdout.write(text) : (buffered += text),
      );
      if (concurrency > 1) process.stdout.write(`\n# ${file}\n${buffered}`);
      results.push(result);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, lane));
  return results;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const given = args.filter((arg) => !arg.startsWith('--'));
  const files =
    given.length > 0
      ? given
      : [...testFiles('unit'), ...(args.includes('--unit') ? [] : testFiles('integration'))];
  const unit = files.filter((file) => file.includes('test/unit/'));
  const timed = unit.filter((file) => TIMED_UNIT_FILES.some((name) => file.endsWith(`/${name}.test.ts`)));
  const rank = (file: string) => {
    const index = LONGEST_FIRST.findIndex((name) => file.endsWith(`/${name}.test.ts`));
    return index === -1 ? LONGEST_FIRST.length : index;
  };
  const integration = files.filter((file) => !unit.includes(file)).sort((a, b) => rank(a) - rank(b));
  const started = Date.now();
  const reportDir = mkdtempSync(join(tmpdir(), 'mlx-jobs-test-reports-'));
  // Servers start while the bundle builds and the unit files run.
  const services = integration.length > 0 ? startServices() : undefined;
  services?.catch(() => undefined); // awaited below
  const results: FileResult[] = [];
  try {
    await workflowBundlePath();
    results.push(
      ...(await runFiles(
        unit.filter((file) => !timed.includes(file)),
        2,
        process.env,
        reportDir,
      )),
    );
    results.push(...(await runFiles(timed, 1, process.env, reportDir)));
    if (services) {
      const env = { ...process.env, ...(await services).env };
      results.push(...(await runFiles(integration, INTEGRATION_CONCURRENCY, env, reportDir)));
    }
  } finally {
    await (await services?.catch(() => undefined))?.stop();
    rmSync(reportDir, { recursive: true, force: true });
  }
  console.log(summary(results, Date.now() - started));
  return results.some((result) => result.failed > 0) ? 1 : 0;
}

// The files' processes and the servers are tied to this process: exiting on Ctrl-C or SIGTERM ends them.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
