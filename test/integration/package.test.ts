/**
 * mlx-jobs as a package: `npm pack` (its prepack builds dist/), then a production install of the tarball
 * into a project of its own, as a user's project would hold it. Nothing here imports mlx-jobs by a
 * relative path: the installed package is reached by its name, from the project's directory.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { startJaeger } from '../helpers/jaeger';
import { once } from '../helpers/once';
import { startWorkerProcess } from '../helpers/spawn';
import { startTestTemporal } from '../helpers/temporal';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'mlx-package-'));
after(() => rmSync(work, { recursive: true, force: true }));

interface Packed {
  tarball: string;
  files: string[];
}

/** `npm pack` of the checkout: the tarball and the paths it holds. */
const packed = once(async (): Promise<Packed> => {
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], {
    cwd: ROOT,
    maxBuffer: 64 * 1024 * 1024,
  });
  // prepack's build prints to stdout before npm's JSON report.
  const [report] = JSON.parse(stdout.slice(stdout.indexOf('\n[') + 1)) as {
    filename: string;
    files: { path: string }[];
  }[];
  return { tarball: join(work, report!.filename), files: report!.files.map((file) => file.path) };
});

/**
 * examples/agency-tasks copied out of the repository, its mlx-jobs dependency pointed at the tarball,
 * installed for production (no dev dependencies) from npm's cache where it can.
 */
const installed = once(async (): Promise<string> => {
  const { tarball } = await packed();
  const project = join(work, 'agency-tasks');
  cpSync(join(ROOT, 'examples', 'agency-tasks'), project, { recursive: true });
  const manifestPath = join(project, 'package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { dependencies: Record<string, string> };
  assert.ok(manifest.dependencies['mlx-jobs'], 'the example depends on mlx-jobs');
  manifest.dependencies['mlx-jobs'] = `file:${tarball}`;
  writeFileSync(manifestPath, JSON.stringify(manifest));
  await run('npm', ['install', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund'], {
    cwd: project,
  });
  return project;
});

test('npm pack holds the compiled package and its documents, no sources, tests, bench or fixtures', async () => {
  const { files } = await packed();
  const outside = files.filter(
    (path) =>
      !/^dist\/.+\.(js|d\.ts)$/.test(path) &&
      !['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'bin/mlx-jobs'].includes(path),
  );
  assert.deepEqual(outside, []);
  for (const entry of ['index', 'worker', 'task', 'testing']) {
    assert.ok(files.includes(`dist/${entry}.js`) && files.includes(`dist/${entry}.d.ts`), entry);
  }
  assert.ok(files.includes('dist/workflow-bundle.js'), 'the prebuilt workflow bundle');
  assert.ok(!files.some((path) => path.startsWith('dist/demo/')), 'the demo stays in the repository');
});

test('after a production install, the CLI runs on plain node and only the entry points are importable', async () => {
  const project = await installed();
  const bin = join(project, 'node_modules', '.bin', 'mlx-jobs');
  const version = await run(bin, ['--version'], { cwd: project });
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  assert.equal(version.stdout.trim(), manifest.version);
  assert.match(manifest.version, /^\d+\.\d+\.\d+$/);
  assert.ok(
    !readdirSync(join(project, 'node_modules')).includes('tsx'),
    'no dev dependency installed: the CLI above ran compiled JavaScript',
  );
  const builtin = await run(bin, ['tasks'], { cwd: project });
  assert.match(builtin.stdout, /^sync_orders /m);
  const own = await run(bin, ['tasks', 'show', 'read_payouts', '--json'], {
    cwd: project,
    env: { ...process.env, MLX_TASKS_MODULE: 'tasks/index.js' },
  });
  const described = JSON.parse(own.stdout) as {
    name: string;
    failures: { type: string; retryable: boolean }[];
  };
  assert.equal(described.name, 'read_payouts');
  assert.deepEqual(
    described.failures.map(({ type, retryable }) => [type, retryable]),
    [
      ['PayoutsNotReady', true],
      ['StatementLocked', false],
    ],
  );

  const entries = await run(
    process.execPath,
    [
      '-e',
      `const names = { 'mlx-jobs': 'startJob', 'mlx-jobs/worker': 'runWorker', 'mlx-jobs/task': 'defineTask', 'mlx-jobs/testing': 'runTask' };
       for (const [name, fn] of Object.entries(names)) if (typeof require(name)[fn] !== 'function') throw new Error(name);
       try { require('mlx-jobs/dist/tasks'); console.log('internal module importable'); }
       catch (err) { console.log(err.code); }`,
    ],
    { cwd: project },
  );
  assert.equal(entries.stdout.trim(), 'ERR_PACKAGE_PATH_NOT_EXPORTED');
});

test('the peer dependencies leave one copy each in an installation', async () => {
  const project = await installed();
  const { stdout } = await run(
    'find',
    [join(project, 'node_modules'), '-name', 'package.json', '-path', '*/node_modules/*'],
    {
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const copies = new Map<string, string[]>();
  for (const path of stdout.split('\n').filter(Boolean)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\/package\.json$/.exec(path);
    if (!match) continue;
    const { name, version } = JSON.parse(readFileSync(path, 'utf8')) as { name?: string; version?: string };
    if (!name || name !== match[1]) continue; // a package.json inside a package's own folders
    copies.set(name, [...(copies.get(name) ?? []), `${version} at ${path}`]);
  }
  for (const name of [
    '@temporalio/common',
    '@temporalio/worker',
    '@temporalio/workflow',
    'playwright-core',
    'zod',
  ]) {
    assert.equal(copies.get(name)?.length, 1, `${name}: ${copies.get(name)?.join(', ')}`);
  }
  // The SDK converts histories with protobufjs 8; several copies of it break that (`type must be a Type`).
  const protobufs = (copies.get('protobufjs') ?? []).filter((copy) => copy.startsWith('8.'));
  assert.equal(protobufs.length, 1, protobufs.join(', '));
});

test("the example's own task test passes against the installed package (mlx-jobs/testing, no Temporal)", async () => {
  const project = await installed();
  const { stdout } = await run('npm', ['test'], { cwd: project });
  assert.match(stdout, /^# pass 3$/m);
  assert.match(stdout, /^# fail 0$/m);
});

test("the example's worker completes a job of its task, submitted through the installed CLI, traced in Jaeger", async (t) => {
  const project = await installed();
  const temporal = await startTestTemporal();
  const jaeger = await startJaeger();
  t.after(() => Promise.all([temporal.stop(), jaeger.stop()]));
  // The example's own test site, from the installed copy (plain JavaScript, outside this repository).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const example = require(join(project, 'test', 'site.js')) as {
    startPayoutsSite: () => Promise<{
      url: string;
      user: { email: string; password: string };
      close: () => Promise<void>;
    }>;
  };
  const site = await example.startPayoutsSite();
  t.after(() => site.close());
  const secretsFile = join(work, 'secrets.json');
  writeFileSync(
    secretsFile,
    JSON.stringify({
      'shop-42': {
        username: site.user.email,
        password: site.user.password,
        origins: [site.url],
        clients: ['42'],
        allow_http: true,
      },
    }),
  );
  chmodSync(secretsFile, 0o600);
  const env = {
    ...temporal.env,
    MLX_TASK_QUEUE: 'agency',
    MLX_WORKER_ID: 'agency-worker',
    MLX_DATA_DIR: join(work, 'data'),
    MLX_TASK_SECRETS_FILE: secretsFile,
    MLX_WEBHOOK_SECRET: 'agency-example-webhook-secret',
    OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpHttpEndpoint,
  };
  // Plain node, from the project's directory: the worker entry as the agency runs it.
  const worker = await startWorkerProcess(env, 120_000, join(project, 'worker.js'), [], project);
  t.after(async () => {
    worker.child.kill('SIGTERM');
    await worker.exited;
  });

  const spec = {
    job_id: 'agency-payouts-2026-11',
    profile_id: '0b6f4a52-7f7e-4c57-9d0e-5f1f0b6e2a11',
    folder_id: 'c1d2e3f4-0000-4000-8000-000000000001',
    platform: 'shopee_my',
    client_id: '42',
    task: {
      name: 'read_payouts',
      input: { seller_centre_url: site.url, account: 'shop-42', month: '2026-11' },
    },
  };
  writeFileSync(join(work, 'job.json'), JSON.stringify(spec));
  const cli = join(project, 'node_modules', '.bin', 'mlx-jobs');
  const cliEnv = {
    ...process.env,
    ...env,
    MLX_TASKS_MODULE: 'tasks/index.js',
    MLX_TRACE_QUERY_URL: jaeger.queryUrl,
  };
  const submitted = await run(cli, ['submit', join(work, 'job.json'), '--wait', '--json'], {
    cwd: project,
    env: cliEnv,
  });
  const { result } = JSON.parse(submitted.stdout) as { result: { status: string; output: unknown } };
  assert.equal(result.status, 'completed', submitted.stdout);
  assert.deepEqual(result.output, {
    month: '2026-11',
    total_cents: 129955,
    payouts: [
      { reference: 'PO-1101', amount_cents: 120050 },
      { reference: 'PO-1102', amount_cents: 9905 },
    ],
  });
  // The job's trace, drawn by the installed CLI from Jaeger: the step's span and the task's own.
  const trace = await run(cli, ['trace', spec.job_id], { cwd: project, env: cliEnv });
  assert.match(trace.stdout, /mlx\.task\.execute/);
  assert.match(trace.stdout, /read_payouts\.sign_in/);
});
