import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createProfileSlots, startReaper, type OpenProfile } from '../../src/host';
import type { LauncherClient } from '../../src/mlx';
import { silentLogger, type Logger } from '../../src/telemetry';
import { instantLauncher, unitDeps } from '../helpers/unit-deps';

const entry: OpenProfile = {
  profile_id: 'p1',
  job_id: 'job-1',
  workflow_id: 'mlx-job-job-1',
  run_id: 'run-1',
  lease_token: 0,
  since: Date.now(),
};

/** A worker w1 with profile p1 open for job-1, a launcher that records stops and a logger that records warnings. */
async function hostWithOpenProfile() {
  const stopped: string[] = [];
  const warnings: Record<string, unknown>[] = [];
  const launcher: LauncherClient = {
    ...instantLauncher,
    stopProfile: (id) => {
      stopped.push(id);
      return Promise.resolve({ alreadyStopped: false });
    },
  };
  const log: Logger = { ...silentLogger, warn: (_msg, fields) => void warnings.push(fields ?? {}) };
  const deps = unitDeps({ launcher, log, slots: createProfileSlots(2) });
  const lease = await deps.leases.acquire('p1', { worker_id: 'w1', job_id: 'job-1' }, 60_000);
  deps.profiles.set({ ...entry, lease_token: lease!.token });
  deps.slots.take({
    job_id: 'job-1',
    profile_id: 'p1',
    workflow_id: entry.workflow_id,
    run_id: entry.run_id,
  });
  deps.slots.leased('job-1', lease!.token);
  return { deps, stopped, warnings };
}

test('a profile whose job moved to another worker is stopped without waiting for Temporal, which does not answer', async () => {
  const { deps, stopped, warnings } = await hostWithOpenProfile();
  await deps.leases.acquire('p1', { worker_id: 'w2', job_id: 'job-1' }, 60_000); // failover takes it over
  let asked = 0;
  const unanswered = () => {
    asked += 1;
    return new Promise<boolean | undefined>(() => {});
  };
  const reaper = startReaper({ ...deps, runIsOpen: unanswered }, 60_000);
  try {
    await reaper.sweep();
    assert.deepEqual(stopped, ['p1']);
    assert.equal(deps.profiles.get('p1'), undefined);
    assert.deepEqual(deps.slots.holders(), [], 'its slot is free');
    assert.equal(warnings[0]?.reason, 'the job moved to worker w2');
    assert.equal(asked, 0, 'the lease decided: Temporal was not asked');
    assert.equal((await deps.leases.get('p1'))?.worker_id, 'w2', "the new host's lease is untouched");
  } finally {
    await reaper.stop();
  }
});

test('a profile whose lease is still its job is kept while the run is open, and stopped once it is closed', async () => {
  const { deps, stopped, warnings } = await hostWithOpenProfile();
  let open = true;
  const reaper = startReaper({ ...deps, runIsOpen: () => Promise.resolve(open) }, 60_000);
  try {
    await reaper.sweep();
    assert.deepEqual(stopped, [], 'a live job keeps its browser');
    open = false;
    await reaper.sweep();
    assert.deepEqual(stopped, ['p1']);
    assert.equal(warnings[0]?.reason, 'its run is closed');
    assert.equal(await deps.leases.get('p1'), undefined, 'its lease is released');
  } finally {
    await reaper.stop();
  }
});

test('a profile whose stop failed is stopped by the reaper under its own lease, kept alive meanwhile', async () => {
  const { deps, stopped, warnings } = await hostWithOpenProfile();
  deps.profiles.set({ ...deps.profiles.get('p1')!, stop_failed: true });
  const reaper = startReaper({ ...deps, runIsOpen: () => Promise.resolve(true) }, 60_000);
  try {
    await reaper.sweep();
    assert.deepEqual(stopped, ['p1']);
    assert.equal(warnings[0]?.reason, 'its stop failed');
  } finally {
    await reaper.stop();
  }
});
