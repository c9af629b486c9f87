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
 * With --checks (npm test), ESLint, Prettier and tsc run as three more processes beside the integration
 * files, which mostly wait on servers, timers and browsers; a failed check fails the run like a failed
 * file.
 *
 * Usage: node --import tsx test/suite/run.ts [--unit] [--checks] [file ...]
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
import { loadFileTimes, longestFirst, saveFileTimes } from './file-times';
import { ownCpuSeconds, processCpuSeconds } from './cpu';
import { fileResult, summary, type FileResult } from './summary';

const ROOT = join(__dirname, '..', '..');
/**
 * Unit files whose tests wait on real timers: each runs alone in a process of its own, so a busy core or
 * another file's leftover work does not stretch their windows.
 */
const TIMED_UNIT_FILES = [
  'attach',
  'lease-keeper',
  'lease-renewal',
  'mlx-auth',
  'wait-for-cdp',
  'worker-capacity',
];
/** Ends a hung file; the longest, faults-burst.test.ts, takes minutes. */
const FILE_TIMEOUT_MS = 15 * 60_000;
/**
 * Integration files run three at a time (MLX_TEST_CONCURRENCY), the longest first (by the last run's
 * times here, file-times.ts), so the lanes end close together. A file mostly waits (timers, retries, a
 * browser starting): a profile of dead-letters.test.ts found its main thread idle four fifths of the
 * time, so a third lane fills the cores two leave idle.
 */
const INTEGRATION_CONCURRENCY = Number(process.env.MLX_TEST_CONCURRENCY ?? 3);
/** The longest files, first on a machine with no times yet: faults-burst.test.ts (45 real Chromium starts). */
const KNOWN_LONG = ['faults-burst', 'dead-letters', 'turn-burst', 'batches'];
/**
 * Files that put hundreds of runs on the one dev server at once: never two side by side. Together they
 * starved the profile queues' query handling (`consistent query buffer is full`) until turn-burst timed
 * out (a fresh-ci run); each alone passes.
 */
const BURSTS = ['faults-burst', 'turn-burst'];
const isBurst = (file: string) => BURSTS.some((stem) => file.endsWith(`/${stem}.test.ts`));
/** What --checks runs, one after another in a lane of its own: each counts as one test of the summary. */
const CHECKS: [name: string, args: string[]][] = [
  ['eslint', ['--max-warnings', '0', '.']],
  ['prettier', ['--check', '--log-level', 'warn', '.']],
  ['tsc', ['--noEmit', '-p', '.']],
];

const testFiles = (dir: string) =>
  readdirSync(join(ROOT, 'test', dir))
    .filter((name) => name.endsWith('.test.ts'))
    .sort()
    .map((name) => join('test', dir, name));

interface Services {
  env: NodeJS.ProcessEnv;
  /** CPU-seconds the shared dev server has used so far (undefined where /proc cannot tell). */
  cpuSeconds(): number | undefined;
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
    cpuSeconds: () => processCpuSeconds(temporal.pid),
    stop,
  };
}

/** One process of the run: a test file, or a check. */
interface Job {
  name: string;
  run(output: (text: string) => void): Promise<FileResult>;
}

/** Runs `command` tied to this process, its output to `output`; resolves with its exit once it closes. */
function runProcess(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  output: (text: string) => void,
): Promise<{ code: number | null; timedOut: boolean }> {
  const tied = tiedToParent(command, args);
  const child = spawn(tied.command, tied.args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
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
      resolve({ code, timedOut });
    });
  });
}

/**
 * Test files in one process of their own: spec output to the terminal, TAP to a file in `reportDir` for
 * the counts. Several files share the process by being imported before the last one runs (their tests
 * register as they load); the result is named for the one file, or for how many there are.
 */
function testProcess(files: string[], env: NodeJS.ProcessEnv, reportDir: string): Job {
  const name = files.length === 1 ? files[0]! : `${files.length} unit files in one process`;
  const tapFile = join(reportDir, `${relative('test', files[0]!).replace(/\W/g, '_')}.tap`);
  const args = [
    '--import',
    'tsx',
    ...files.slice(0, -1).flatMap((file) => ['--import', `./${file}`]),
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tapFile}`,
    files.at(-1)!,
  ];
  return {
    name,
    async run(output) {
      const started = Date.now();
      const exit = await runProcess(process.execPath, args, env, output);
      let tap = '';
      try {
        tap = readFileSync(tapFile, 'utf8');
      } catch {
        // no report: the process died before it wrote one, counted as a failure by fileResult
      }
      return fileResult(name, Date.now() - started, tap, exit);
    },
  };
}

/** One of CHECKS, from the project's own node_modules/.bin: one passed test, or one failed. */
function check([name, args]: (typeof CHECKS)[number]): Job {
  return {
    name,
    async run(output) {
      const started = Date.now();
      const exit = await runProcess(join(ROOT, 'node_modules', '.bin', name), args, process.env, output);
      const result = fileResult(name, Date.now() - started, '', exit);
      return exit.code === 0 ? { ...result, passed: 1 } : result;
    },
  };
}

/**
 * Runs `jobs`, `concurrency` at a time. With `live` (nothing else runs beside them), a job's output is
 * shown as it comes; otherwise each job's output is shown whole when it ends, so they do not interleave.
 */
async function runJobs(jobs: Job[], concurrency: number, live: boolean): Promise<FileResult[]> {
  const results: FileResult[] = [];
  const queue = [...jobs];
  /** The BURSTS file running now, if one is: another waits until it ends. */
  let burst: Promise<FileResult> | undefined;
  const next = () => {
    const index = queue.findIndex((job) => !(burst && isBurst(job.name)));
    return index === -1 ? undefined : queue.splice(index, 1)[0];
  };
  const lane = async () => {
    while (queue.length > 0) {
      const job = next();
      if (!job) {
        await burst;
        continue;
      }
      let buffered = '';
      if (live) process.stdout.write(`\n# ${job.name}\n`);
      const running = job.run((text) => (live ? process.stdout.write(text) : (buffered += text)));
      if (isBurst(job.name)) burst = running;
      const result = await running;
      if (burst === running) burst = undefined;
      if (!live) process.stdout.write(`\n# ${job.name}\n${buffered}`);
      results.push(result);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, lane));
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
  const untimed = unit.filter((file) => !timed.includes(file));
  const integration = longestFirst(
    files.filter((file) => !unit.includes(file)),
    loadFileTimes(),
    KNOWN_LONG,
  );
  const started = Date.now();
  const reportDir = mkdtempSync(join(tmpdir(), 'mlx-jobs-test-reports-'));
  // The servers start and the bundle builds while the timed unit files run.
  const services = integration.length > 0 ? startServices() : undefined;
  services?.catch(() => undefined); // awaited below
  const results: FileResult[] = [];
  let serverCpu: number | undefined;
  try {
    const files = (list: string[], env: NodeJS.ProcessEnv) =>
      list.map((f) => testProcess([f], env, reportDir));
    // The other unit files load the same modules: one process for all of them costs about a fifth of
    // the CPU time of a process each (mostly module loading), and they neither wait on timers nor touch
    // the environment others read.
    const units = untimed.length > 0 ? [testProcess(untimed, process.env, reportDir)] : [];
    const bundled = workflowBundlePath();
    bundled.catch(() => undefined); // awaited below
    results.push(...(await runJobs(files(timed, process.env), 1, true)));
    await bundled;
    const env = services && { ...process.env, ...(await services).env };
    const checks = args.includes('--checks') ? CHECKS.map(check) : [];
    // The integration files mostly wait (timers, retries, browsers starting): the other unit files and
    // the checks run in a lane of their own beside them, one at a time.
    const lanes = [
      runJobs(files(env ? integration : [], env ?? process.env), INTEGRATION_CONCURRENCY, false),
      runJobs([...units, ...checks], 1, false),
    ];
    for (const lane of await Promise.all(lanes)) results.push(...lane);
    serverCpu = (await services?.catch(() => undefined))?.cpuSeconds();
  } finally {
    await (await services?.catch(() => undefined))?.stop();
    rmSync(reportDir, { recursive: true, force: true });
  }
  saveFileTimes(
    Object.fromEntries(results.filter((r) => r.file.endsWith('.test.ts')).map((r) => [r.file, r.ms])),
  );
  console.log(summary(results, Date.now() - started, { total: ownCpuSeconds(), temporal: serverCpu }));
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
