import { chmod, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import type { Logger } from '../telemetry';

/** A Playwright trace being recorded on the profile's context (actions, DOM snapshots, screencast). */
export interface TraceRecording {
  /**
   * Stops the recording and writes the trace zip to `path`, readable by this user alone (0600): it shows
   * the pages the task saw. Over `maxBytes` it is not kept. Resolves with where it is and its size; at
   * most once.
   */
  save(path: string, maxBytes?: number): Promise<SavedTrace>;
  /** Stops the recording without keeping it; nothing once saved. */
  discard(): Promise<void>;
}

export type SavedTrace = { path: string; bytes: number } | { dropped: true; bytes: number };

/**
 * What a trace records. `actions`: every Playwright call with its parameters, timing and error, console
 * messages and the network log, at no measurable cost to the task. `full`: also a DOM snapshot around
 * each action and a screencast, which show the page as it was (the Playwright default for a trace), at
 * about +0.8 s on a sync_orders run (docs/benchmarks.md).
 */
export type TraceDetail = 'actions' | 'full';

/**
 * Starts recording a Playwright trace of `context` (with connectOverCDP, the profile's own context).
 * Best effort: a trace that cannot start leaves the task untraced, with a log line.
 */
export async function startTraceRecording(
  context: BrowserContext,
  log: Logger,
  detail: TraceDetail,
): Promise<TraceRecording | undefined> {
  try {
    await context.tracing.start({ screenshots: detail === 'full', snapshots: detail === 'full' });
  } catch (err) {
    log.warn('could not start the Playwright trace; the task runs without it', { err });
    return undefined;
  }
  let stopped = false;
  return {
    async save(path, maxBytes = Number.POSITIVE_INFINITY) {
      if (stopped) throw new Error('the trace was already stopped');
      stopped = true;
      // Playwright writes with the process's umask: the zip is written in a 0700 directory of its own
      // beside `path`, made 0600 there, then moved to `path` (one file system, so a rename).
      const staging = await mkdtemp(join(dirname(path), `.${basename(path)}-`));
      try {
        const staged = join(staging, 'trace.zip');
        await context.tracing.stop({ path: staged });
        await chmod(staged, 0o600);
        const { size } = await stat(staged);
        if (size > maxBytes) return { dropped: true, bytes: size };
        await rename(staged, path);
        return { path, bytes: size };
      } finally {
        await rm(staging, { recursive: true, force: true });
      }
    },
    async discard() {
      if (stopped) return;
      stopped = true;
      await context.tracing.stop().catch(() => undefined);
    },
  };
}
