/** What a worker keeps for a while and then removes: claim-check blobs and failure screenshots and traces. */
import type { NativeConnection } from '@temporalio/worker';
import type { WorkerConfig } from '../config';
import { startBlobSweeper, type BlobStore, type BlobSweeper } from '../payload-codec';
import { pruneArtifacts } from '../activities/evidence';
import type { Logger } from '../telemetry';

/** References this young are never dropped: a client may have stored a start's input before the run exists. */
const GRACE_MS = 60 * 60 * 1000;
/** gRPC's NOT_FOUND, as the Temporal service answers for a workflow id it has no run of. */
const GRPC_NOT_FOUND = 5;
const UNOWNED_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

/** Removes claim-check blobs of workflows Temporal no longer has (closed, then past the namespace's retention). */
export function startBlobRetention(
  config: WorkerConfig,
  store: BlobStore,
  connection: NativeConnection,
  log: Logger,
): BlobSweeper {
  const namespace = config.temporal.namespace;
  return startBlobSweeper({
    store,
    intervalMs: config.claimCheckSweepMs,
    graceMs: GRACE_MS,
    unownedRetentionMs: UNOWNED_RETENTION_MS,
    async workflowExists(workflowId) {
      try {
        await connection.workflowService.describeWorkflowExecution({ namespace, execution: { workflowId } });
        return true;
      } catch (err) {
        if ((err as { code?: number }).code === GRPC_NOT_FOUND) return false;
        throw err;
      }
    },
    onSweep: (result) => {
      if (result.removedBlobs > 0)
        log.info('removed claim-check blobs of runs past retention', { ...result });
    },
    onError: (err) => log.warn('claim-check sweep failed; trying again at the next interval', { error: err }),
  });
}

/** Removes failure screenshots and traces past MLX_ARTIFACTS_RETENTION_MS: now, then hourly (each failure does too). */
export function startArtifactPruning(config: WorkerConfig, log: Logger): { stop(): void } {
  const prune = () =>
    void pruneArtifacts(config.artifactsDir, config.artifactsRetentionMs).then(
      (removed) =>
        removed > 0 && log.info('removed failure screenshots and traces past retention', { removed }),
      (err: unknown) => log.warn('could not prune old failure artifacts', { err }),
    );
  prune();
  const timer = setInterval(prune, Math.min(config.artifactsRetentionMs, 60 * 60 * 1000));
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
