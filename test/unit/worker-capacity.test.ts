import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { ActivityDeps, LeaseGrant } from '../../src/activities';
import { leaseActivities } from '../../src/activities/lease';
import { profileActivities } from '../../src/activities/profile';
import { createProfileSlots, startReaper } from '../../src/host';
import { waitUntil } from '../helpers/processes';
import { unitDeps } from '../helpers/unit-deps';

function workerDeps(max: number, leaseTtlMs = 60_000): ActivityDeps {
  return unitDeps({ slots: createProfileSlots(max), leaseTtlMs });
}

/** acquireLease run as an activity (its span needs an activity context). */
function acquirer(deps: ActivityDeps) {
  const activities = leaseActivities(deps);
  const env = new MockActivityEnvironment();
  return (n: number): Promise<LeaseGrant> => env.run(() => activities.acquireLease({ job: job(n) }));
}

const job = (n: number) => ({
  job_id: `job-${n}`,
  profile_id: `profile-${n}`,
  platform: 'shopee_my',
  client_id: 'c',
});

test('a full worker answers WorkerAtCapacity with a short retry delay; stopProfile frees the slot', async () => {
  const deps = workerDeps(1);
  const acquire = acquirer(deps);
  const profiles = profileActivities(deps);

  const first = await acquire(1);
  const again = await acquire(1);
  assert.equal(again.token, first.token, 'a retry of the same job keeps its slot and its lease');

  const full = await acquire(2).then(
    () => assert.fail('the second job must wait'),
    (err: unknown) => err,
  );
  assert.ok(full instanceof ApplicationFailure);
  assert.equal(full.type, 'WorkerAtCapacity');
  assert.equal(full.nonRetryable, false);
  assert.equal(full.nextRetryDelay, 1_000);
  assert.equal((await deps.leases.list()).length, 1, 'a refused job takes no lease');

  await new MockActivityEnvironment().run(() =>
    profiles.stopProfile({ job: job(1), lease_token: first.token }),
  );
  assert.equal((await acquire(2)).worker_id, 'w1');
});

test('a job refused its lease gives its slot back', async () => {
  const deps = workerDeps(1);
  const acquire = acquirer(deps);
  await deps.leases.acquire('profile-1', { worker_id: 'w2', job_id: 'other' }, 60_000);
  await assert.rejects(acquire(1), { type: 'ProfileLeased' });
  assert.deepEqual(deps.slots.holders(), []);
});

test('the reaper frees the slot of a job that lost its lease and has no open profile, once the TTL passed', async () => {
  const deps = workerDeps(1, 200);
  const acquire = acquirer(deps);
  const lease = await acquire(1); // then its workflow was terminated: no stopProfile
  await assert.rejects(acquire(2), { type: 'WorkerAtCapacity' });
  const reaper = startReaper({ ...deps, runIsOpen: () => Promise.resolve(true) }, 60_000);
  try {
    await reaper.sweep();
    assert.equal(deps.slots.holders().length, 1, 'a young slot is kept: its job may still be starting');
    await deps.leases.release('profile-1', lease.token); // the lease is gone (expired)
    await waitUntil(() => Date.now() - deps.slots.holders()[0]!.since > 200, 5_000, 'the slot to age');
    await reaper.sweep();
    assert.deepEqual(deps.slots.holders(), [], 'freed: the job holds no lease here');
    assert.equal((await acquire(2)).worker_id, 'w1');
  } finally {
    await reaper.stop();
  }
});

test('the reaper frees at once the slot of a job whose run is closed', async () => {
  const deps = workerDeps(1);
  await acquirer(deps)(1);
  const reaper = startReaper({ ...deps, runIsOpen: () => Promise.resolve(false) }, 60_000);
  try {
    await reaper.sweep();
    assert.deepEqual(deps.slots.holders(), []);
  } finally {
    await reaper.stop();
  }
});
