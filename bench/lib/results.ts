import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';

export const RESULTS_DIR = join(__dirname, '..', 'results');

/** Where and how a result was measured, written into every result file. */
export interface RunMeta {
  command: string;
  date: string;
  machine: string;
  node: string;
  commit: string;
  /** The 1-minute load average when the scenario started and when it ended. */
  load: { start: number; end?: number };
}

export function runMeta(argv: readonly string[]): RunMeta {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout
  }
  const cpu = cpus();
  return {
    command: ['npm run bench --', ...argv].join(' ').replace(/ --$/, ''),
    date: new Date().toISOString(),
    machine: `${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${process.platform} ${process.arch}`,
    node: process.version,
    commit,
    load: { start: loadavg()[0]! },
  };
}

export interface ScenarioResult {
  /** e.g. "1-throughput": the file names under bench/results/. */
  id: string;
  title: string;
  /** Lines printed to the terminal: a markdown table and the ratios. */
  report: string[];
  data: unknown;
  svg: string;
}

/** Writes <id>.json (meta and data) and <id>.svg under bench/results/, and returns their paths. */
export function writeResult(result: ScenarioResult, meta: RunMeta, dir = RESULTS_DIR): string[] {
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
