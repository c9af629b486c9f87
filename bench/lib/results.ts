import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';

export const RESULTS_DIR = join(__dirname, '..', 'results');

/** The checkout a run measured: its commit, and whether anything in it differed from that commit. */
export interface Checkout {
  commit: string;
  /** `git status --porcelain` was empty when the run started: the commit is what was measured. */
  clean: boolean;
  /** What `git status --porcelain` listed then (the first 20 lines), so a reader sees what differed. */
  changes: string[];
}

/** Where and how a result was measured, written into every result file. */
export interface RunMeta extends Checkout {
  command: string;
  date: string;
  machine: string;
  node: string;
  /** The 1-minute load average when the scenario started and when it ended. */
  load: { start: number; end?: number };
}

const git = (args: string[]): string | undefined => {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined; // not a git checkout
  }
};

/** Read once, before the run writes anything (its own result files would make the tree look changed). */
export function readCheckout(): Checkout {
  const commit = git(['rev-parse', '--short', 'HEAD'])?.trim() ?? 'unknown';
  const status = git(['status', '--porcelain']);
  const changes = status === undefined ? ['(not a git checkout)'] : status.split('\n').filter(Boolean);
  return { commit, clean: status !== undefined && changes.length === 0, changes: changes.slice(0, 20) };
}

export function runMeta(argv: readonly string[], checkout: Checkout): RunMeta {
  const cpu = cpus();
  return {
    command: ['npm run bench --', ...argv].join(' ').replace(/ --$/, ''),
    date: new Date().toISOString(),
    machine: `${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${process.platform} ${process.arch}`,
    node: process.version,
    ...checkout,
    load: { start: loadavg()[0]! },
  };
}

/**
 * The folder of one `npm run bench`: `<UTC date>T<hhmm>Z-<commit>`, with `-dirty` when the tree was not
 * clean, so no run writes over another's files and every figure the docs quote keeps its file.
 */
export function runFolderName(startedAt: Date, checkout: Checkout): string {
  const stamp = startedAt.toISOString().slice(0, 16).replace(':', '');
  return `${stamp}Z-${checkout.commit}${checkout.clean ? '' : '-dirty'}`;
}

export interface ScenarioResult {
  /** e.g. "1-throughput": the file names in the run's folder under bench/results/. */
  id: string;
  title: string;
  /** Lines printed to the terminal: a markdown table and the ratios. */
  report: string[];
  data: unknown;
  svg: string;
  /** Checks of the scenario that failed (not timings): the run writes its files, then exits non-zero. */
  failedChecks?: string[];
}

/** Writes <id>.json (meta and data) and <id>.svg in `dir`, and returns their paths. */
export function writeResult(result: ScenarioResult, meta: RunMeta, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, `${result.id}.json`);
  const svg = join(dir, `${result.id}.svg`);
  const finished = { ...meta, load: { ...meta.load, end: loadavg()[0]! } };
  writeFileSync(
    json,
    `${JSON.stringify({ title: result.title, meta: finished, data: result.data }, null, 2)}\n`,
  );
  writeFileSync(svg, result.svg);
  return [json, svg];
}
