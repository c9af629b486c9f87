/**
 * The workflows bundled (webpack) with the tracing interceptors, cached by the hash of their sources and
 * package-lock.json: the test run's shared bundle, and the one the package ships (scripts/build.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Resource } from '@opentelemetry/resources';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';
import { bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';

const ROOT = join(__dirname, '..', '..');
const WORKFLOWS = join(ROOT, 'src', 'workflows', 'index.ts');
/** Where bundles are kept between runs, one file per key. $MLX_TEST_BUNDLE_CACHE overrides it. */
const CACHE_DIR = process.env.MLX_TEST_BUNDLE_CACHE ?? join(tmpdir(), 'mlx-jobs-workflow-bundles');
/** Part of the key: a change to how the bundle is built below must not reuse an older one. */
const BUILD_RECIPE = 'workflows+opentelemetry-interceptors+failure-converter/2';
/** Bundled with the workflows, so a change to it must not reuse an older bundle either. */
const FAILURE_CONVERTER = join(ROOT, 'src', 'payload-codec', 'failure-converter.ts');

// Every module specifier a TypeScript file names: static imports and re-exports (`import type` and
// `export type` excluded: they are erased before bundling), side-effect imports, import() and require().
const SPECIFIERS =
  /\b(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?'([^']+)'|\bimport\(\s*'([^']+)'\s*\)|\brequire\(\s*'([^']+)'\s*\)/g;

/** The project's TypeScript file a relative specifier names, if any. */
function resolveLocal(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier);
  return [`${base}.ts`, join(base, 'index.ts'), base].find(
    (path) => path.endsWith('.ts') && existsSync(path),
  );
}

/** The project files webpack takes in from the workflows' entry point (type-only imports left out). */
export function workflowSources(entry = WORKFLOWS): string[] {
  const seen = new Set<string>([entry]);
  const queue = [entry];
  for (let file = queue.pop(); file; file = queue.pop()) {
    for (const match of readFileSync(file, 'utf8').matchAll(SPECIFIERS)) {
      const [, typeOnly, fromStatement, dynamic, required] = match;
      const specifier = fromStatement ?? dynamic ?? required;
      if (typeOnly || !specifier?.startsWith('.')) continue; // packages: the lockfile is in the key
      const local = resolveLocal(file, specifier);
      if (local && !seen.has(local)) {
        seen.add(local);
        queue.push(local);
      }
    }
  }
  return [...seen].sort();
}

/** The cache key: the recipe, the workflow sources (paths and contents) and package-lock.json. */
export function workflowBundleKey(): string {
  const hash = createHash('sha256').update(BUILD_RECIPE);
  for (const file of [...workflowSources(), FAILURE_CONVERTER, join(ROOT, 'package-lock.json')]) {
    hash.update(`\0${file.slice(ROOT.length)}\0`).update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 32);
}

/** The production workflows with the tracing interceptors bundled in (a worker's plugin cannot add them to a prebuilt bundle). */
function buildBundle(): Promise<WorkflowBundle> {
  return bundleWorkflowCode({
    workflowsPath: WORKFLOWS,
    failureConverterPath: FAILURE_CONVERTER,
    plugins: [
      new OpenTelemetryPlugin({ resource: new Resource({}), spanProcessor: new NoopSpanProcessor() }),
    ],
    logger: quietLogger,
  });
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/**
 * The path of the bundle for the current sources, built (webpack takes many seconds on two cores) only
 * when no earlier run or process left one under the same key. The write goes through a rename, so a
 * process reading the file never sees half of it and two processes building at once both succeed.
 */
export async function workflowBundlePath(): Promise<string> {
  const path = join(CACHE_DIR, `${workflowBundleKey()}.js`);
  if (existsSync(path)) return path;
  const { code } = await buildBundle();
  mkdirSync(CACHE_DIR, { recursive: true });
  const partial = `${path}.${process.pid}.tmp`;
  writeFileSync(partial, code);
  renameSync(partial, path);
  return path;
}

let bundle: Promise<WorkflowBundle> | undefined;
/** The bundle for the current sources, read once per process: every test worker and replay uses it. */
export function workflowBundle(): Promise<WorkflowBundle> {
  bundle ??= workflowBundlePath().then((path) => ({ code: readFileSync(path, 'utf8') }));
  return bundle;
}
