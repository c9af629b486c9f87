import { chmod, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Page } from 'playwright-core';
import type { JobFailureInfo, StoredFile } from '../contract';
import { keepFile, type FileKeeping } from '../payload-codec/stored-files';
import { redactUrl } from '../secrets';
import { redactedPrintable, type Logger } from '../telemetry';
import type { TraceRecording } from './trace-recording';

export type Evidence = NonNullable<JobFailureInfo['evidence']>;

/** The failed attempt's trace, kept up to `maxBytes` (MLX_TRACE_MAX_BYTES). */
export interface EvidenceTrace {
  recording: TraceRecording;
  maxBytes: number;
  log: Logger;
}

const CAPTURE_TIMEOUT_MS = 5_000;

/** How long failure screenshots and traces are kept when MLX_ARTIFACTS_RETENTION_MS is not set. */
export const DEFAULT_ARTIFACTS_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
/** The largest failed attempt's trace kept when MLX_TRACE_MAX_BYTES is not set. */
export const DEFAULT_TRACE_MAX_BYTES = 50 * 1024 * 1024;

/**
 * What the page looked like when the task failed: a screenshot in `dir` named after the job and attempt,
 * the attempt's Playwright trace beside it (`trace`), the page URL (without its query string) and title.
 * Best effort: a dead page yields what it can. Both show buyers' data, a trace also what the task typed:
 * only the worker's user can read them (0600 in a 0700 directory).
 */
export async function captureEvidence(
  page: Page,
  dir: string,
  name: string,
  trace?: EvidenceTrace,
): Promise<Evidence> {
  // Both come from the page: redacted, then cut and stripped of control characters (no terminal escape).
  const url = redactedPrintable(redactUrl(page.url()), 2_000);
  const title = redactedPrintable(await page.title().catch(() => ''), 300);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // Tightened when the worker owns it; a directory an operator shares keeps its mode.
    await chmod(dir, 0o700).catch(() => undefined);
    const screenshot = join(dir, `${fileNamePart(name)}.png`);
    const png = await page.screenshot({ fullPage: true, timeout: CAPTURE_TIMEOUT_MS }).catch(() => undefined);
    if (png) {
      await rm(screenshot, { force: true });
      await writeFile(screenshot, png, { mode: 0o600, flag: 'wx' });
    }
    const saved = trace && (await keepTrace(trace, join(dir, `${fileNamePart(name)}.zip`)));
    return { ...(png && { screenshot }), ...(saved && { trace: saved }), url, title };
  } catch {
    return { url, title };
  }
}

/** Writes the trace to `path`; one over its cap is dropped with a log line. Its path, when kept. */
async function keepTrace({ recording, maxBytes, log }: EvidenceTrace, path: string) {
  try {
    const saved = await recording.save(path, maxBytes);
    if ('path' in saved) return saved.path;
    log.warn('dropped the Playwright trace of the failed attempt: over MLX_TRACE_MAX_BYTES', {
      bytes: saved.bytes,
      max_bytes: maxBytes,
    });
  } catch (err) {
    log.warn('could not write the Playwright trace of the failed attempt', { err });
  }
  return undefined;
}

/**
 * The evidence's local files (the screenshot; whatever else a failure leaves beside it) in the shared
 * store, sealed and owned by the run's workflow id so they go with its other blobs, for an operator on
 * another machine; none without a store or a file.
 */
export async function keepEvidence(
  deps: { evidenceStore?: FileKeeping },
  files: readonly (string | undefined)[],
  workflowId: string,
): Promise<StoredFile[] | undefined> {
  const paths = files.filter((path): path is string => path !== undefined);
  const store = deps.evidenceStore;
  if (!store || paths.length === 0) return undefined;
  return Promise.all(
    paths.map(async (path) => keepFile(store, basename(path), await readFile(path), workflowId)),
  );
}

/**
 * `name` as one file name in its directory, whatever it holds: anything but letters, digits and
 * `. _ : -` becomes `_`, and it never starts with a dot. Ids are checked before they get here; this
 * holds without that check (a `job_id` of `../../x` names `_._.._x`).
 */
export function fileNamePart(name: string): string {
  return (
    name
      .replace(/[^A-Za-z0-9._:-]/g, '_')
      .replace(/^\./, '_')
      .slice(0, 240) || '_'
  );
}

/**
 * Removes failure screenshots and traces in `dir` older than `retentionMs`; returns how many. A missing
 * dir is empty.
 */
export async function pruneArtifacts(dir: string, retentionMs: number, now = Date.now()): Promise<number> {
  const names = await readdir(dir).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names) {
    if (!name.endsWith('.png') && !name.endsWith('.zip')) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (info?.isFile() && now - info.mtimeMs > retentionMs) {
      await rm(path, { force: true });
      removed += 1;
    }
  }
  return removed;
}
