/**
 * How long each test file took in the last run on this machine, kept beside the tools' cache, so the
 * next run starts the longest files first and its lanes end close together.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';

export type FileTimes = Record<string, number>;

/** The same cache directory as scripts/ensure-tools.sh. */
const TIMES_PATH = join(
  process.env.MLX_TOOLS_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'mlx-jobs'),
  'test-times.json',
);

/** The times of the last run here; none on a new machine, or when the file is unreadable. */
export function loadFileTimes(path = TIMES_PATH): FileTimes {
  try {
    return z.record(z.string(), z.number()).parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch {
    return {};
  }
}

/** Keeps `times` for the files that ran, beside what earlier runs recorded for the others. */
export function saveFileTimes(times: FileTimes, path = TIMES_PATH): void {
  mkdirSync(dirname(path), { recursive: true });
  const partial = `${path}.${process.pid}`;
  writeFileSync(partial, JSON.stringify({ ...loadFileTimes(path), ...times }, null, 1));
  renameSync(partial, path);
}

/**
 * `files`, the longest first by `times`. A file with no time yet counts as `unknownMs`, except those
 * named in `knownLong` (by stem), which go first: a new machine still starts the longest early.
 */
export function longestFirst(files: string[], times: FileTimes, knownLong: string[], unknownMs = 60_000) {
  const estimate = (file: string) =>
    times[file] ??
    (knownLong.some((stem) => file.endsWith(`/${stem}.test.ts`)) ? Number.POSITIVE_INFINITY : unknownMs);
  return [...files].sort((a, b) => estimate(b) - estimate(a));
}
