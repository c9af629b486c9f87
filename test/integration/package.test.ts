/**
 * mlx-jobs as a package: `npm pack` (its prepack builds dist/), then a production install of the tarball
 * into a project of its own, as a user's project would hold it. Nothing here imports mlx-jobs by a
 * relative path: the installed package is reached by its name, from the project's directory.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { once } from '../helpers/once';

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

/** A project depending on the tarball, installed for production (no dev dependencies), from npm's cache. */
const installed = once(async (): Promise<string> => {
  const { tarball } = await packed();
  const project = join(work, 'project');
  await run('mkdir', ['-p', project]);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'user-project', private: true, dependencies: { 'mlx-jobs': `file:${tarball}` } }),
  );
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
  for (const entry of ['index', 'worker', 'task']) {
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
  const tasks = await run(bin, ['tasks'], { cwd: project });
  assert.match(tasks.stdout, /^sync_orders /m);

  const entries = await run(
    process.execPath,
    [
      '-e',
      `const names = { 'mlx-jobs': 'startJob', 'mlx-jobs/worker': 'runWorker', 'mlx-jobs/task': 'defineTask' };
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
