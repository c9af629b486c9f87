import { upsertSearchAttributes } from '@temporalio/workflow';
import type { WaitReason } from '../contract';
import { SA } from '../contract/search-attributes';

/** Sets what the run waits for now (undefined: nothing); a call that changes nothing writes nothing. */
export type WaitingFor = (reason: WaitReason | undefined) => void;

/**
 * Keeps the run's `MlxWaitingFor` search attribute: visibility then answers who waits for what (the
 * Temporal UI's list, `mlx_jobs_waiting`) without asking any worker or queue.
 */
export function waitingFor(): WaitingFor {
  let current: WaitReason | undefined;
  return (reason) => {
    if (reason === current) return;
    current = reason;
    upsertSearchAttributes([{ key: SA.waitingFor, value: reason ?? null }]);
  };
}
