/**
 * Gates that hold one step of one job until the recorder (or a test) lets it go on, so a cancel can be
 * recorded while that step runs. A gate is armed by name before the job starts: `lease:<job_id>`,
 * `handover:<owner job_id>`, `ask:<job_id>`, `cdp:<job_id>`.
 */
import type { Client } from '@temporalio/client';
import { profileQueueActivities, type ActivityDeps } from '../../src/activities';
import { cdpActivities } from '../../src/activities/cdp';
import type { LeaseStore } from '../../src/lease';
import type { MlxWorkerOptions } from '../../src/worker-process/mlx-worker';

export interface Gate {
  /** True once a step reached the gate. */
  entered: boolean;
  open(): void;
  opened: Promise<void>;
}

const gates = new Map<string, Gate>();

/** The gate of that name, armed on first use. */
export function gate(name: string): Gate {
  let found = gates.get(name);
  if (!found) {
    let open = () => {};
    const opened = new Promise<void>((resolve) => (open = resolve));
    found = { entered: false, open, opened };
    gates.set(name, found);
  }
  return found;
}

async function pass(name: string): Promise<void> {
  const armed = gates.get(name);
  if (!armed) return;
  armed.entered = true;
  await armed.opened;
}

/**
 * A lease store whose acquire for a job waits at `lease:<job_id>`, and whose hand-over to an owner at
 * `handover:<owner job_id>` (a warm profile's: `linger/<job_id>` when a job's browser is kept), when armed.
 */
export function gatedLeases(store: LeaseStore): LeaseStore {
  return {
    ...store,
    async acquire(profileId, owner, ttlMs) {
      await pass(`lease:${owner.job_id}`);
      return store.acquire(profileId, owner, ttlMs);
    },
    async handOver(profileId, fromToken, owner, ttlMs) {
      await pass(`handover:${owner.job_id}`);
      return store.handOver(profileId, fromToken, owner, ttlMs);
    },
  };
}

/** cdpConnect and askProfileTurn, each waiting at its job's gate when armed. */
export function gatedSteps(client: () => Client) {
  return (deps: ActivityDeps): MlxWorkerOptions['replaceActivities'] => ({
    shared: {
      askProfileTurn: async (input) => {
        await pass(`ask:${input.request.job_id}`);
        return profileQueueActivities(client()).askProfileTurn(input);
      },
    },
    host: {
      cdpConnect: async (input) => {
        await pass(`cdp:${input.job.job_id}`);
        return cdpActivities(deps).cdpConnect(input);
      },
    },
  });
}
