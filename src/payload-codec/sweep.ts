/**
 * Blob retention: a blob stays while a workflow that refers to it still exists in Temporal. Temporal
 * removes a closed run after the namespace's retention; once no run of that workflow id is left, its
 * references are dropped and blobs nobody else refers to are removed. References younger than `graceMs`
 * are kept whatever Temporal says (a start in flight refers to its input before the run exists).
 */
import type { BlobStore } from './blob-store';
import { UNOWNED } from './blob-store';

export interface SweepOptions {
  store: BlobStore;
  /** Whether Temporal still has a run of this workflow id (open, or closed within retention). */
  workflowExists(workflowId: string): Promise<boolean>;
  graceMs: number;
  /** How long blobs that name no workflow are kept. */
  unownedRetentionMs: number;
  now?: () => number;
}

export interface SweepResult {
  owners: number;
  droppedOwners: string[];
  removedBlobs: number;
}

export async function sweepBlobs(options: SweepOptions): Promise<SweepResult> {
  const now = (options.now ?? Date.now)();
  const owners = await options.store.owners();
  const result: SweepResult = { owners: owners.length, droppedOwners: [], removedBlobs: 0 };
  for (const owner of owners) {
    const before =
      owner === UNOWNED
        ? now - options.unownedRetentionMs
        : (await options.workflowExists(owner))
          ? undefined
          : now - options.graceMs;
    if (before === undefined) continue;
    const { removedBlobs } = await options.store.dropOwner(owner, before);
    result.removedBlobs += removedBlobs;
    if (removedBlobs > 0) result.droppedOwners.push(owner);
  }
  return result;
}

export interface BlobSweeper {
  stop(): Promise<void>;
}

/** Sweeps every `intervalMs` (first after one interval); errors go to `onError`, the next sweep still runs. */
export function startBlobSweeper(
  options: SweepOptions & {
    intervalMs: number;
    onSweep?: (result: SweepResult) => void;
    onError: (err: unknown) => void;
  },
): BlobSweeper {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = sweepBlobs(options)
      .then((result) => options.onSweep?.(result), options.onError)
      .finally(() => (running = undefined));
  }, options.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
