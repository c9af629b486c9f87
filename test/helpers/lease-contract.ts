import assert from 'node:assert/strict';
import type { LeaseStore } from '../../src/lease';
import { waitUntil } from './processes';

const owner = (job: string, worker = 'w1') => ({ job_id: job, worker_id: worker });
const TTL = 30_000;

/**
 * What every lease store must do, checked against a real store with real time. Leases live long enough
 * that no step depends on timing; expiry is tested by shortening one lease and waiting until it is gone.
 */
export async function checkLeaseContract(store: LeaseStore, profile: string): Promise<void> {
  const first = await store.acquire(profile, owner('j1'), TTL);
  assert.ok(first, 'a free profile is granted');
  assert.equal(first.profile_id, profile);
  assert.equal((await store.get(profile))?.token, first.token, 'get reads the live lease');
  assert.equal(await store.acquire(profile, owner('j2'), TTL), undefined, 'a second job waits');
  assert.equal(
    (await store.acquire(profile, owner('j1'), TTL))?.token,
    first.token,
    'a retried acquire is re-entrant',
  );
  const moved = await store.acquire(profile, owner('j1', 'w2'), TTL);
  assert.ok(
    moved && moved.token > first.token && moved.worker_id === 'w2',
    'the same job on another worker (host failover) takes its lease over with a higher token',
  );
  assert.equal(await store.extend(profile, first.token, TTL), false, 'the dead host cannot renew');
  assert.equal(await store.release(profile, first.token), false, 'nor release');
  assert.equal(await store.acquire(profile, owner('j2', 'w2'), TTL), undefined, 'another job still waits');
  assert.deepEqual(
    (await store.list()).filter((l) => l.profile_id === profile).map((l) => [l.job_id, l.worker_id]),
    [['j1', 'w2']],
  );

  // The holder stops renewing: its lease runs out (shortened here so the test does not wait a TTL).
  assert.equal(await store.extend(profile, moved.token, 50), true);
  await waitUntil(async () => (await store.get(profile)) === undefined, 10_000, 'the lease to expire');
  const second = await store.acquire(profile, owner('j2'), TTL);
  assert.ok(
    second && second.token > moved.token,
    'an expired lease is taken over with a higher fencing token',
  );
  assert.equal(await store.extend(profile, moved.token, TTL), false, 'the old holder cannot renew');
  assert.equal(await store.release(profile, moved.token), false, 'nor release');
  assert.equal(await store.extend(profile, second.token, TTL), true);
  assert.equal(await store.release(profile, second.token), true);
  assert.deepEqual(
    (await store.list()).filter((l) => l.profile_id === profile),
    [],
  );

  // A warm profile's hand-over: from one holder's token to another owner, never free in between.
  const held = await store.acquire(profile, owner('j3'), TTL);
  assert.ok(held);
  assert.equal(
    await store.handOver(profile, held.token - 1, owner('j4'), TTL),
    undefined,
    'only its holder hands it over',
  );
  const handed = await store.handOver(profile, held.token, owner('j4', 'w2'), TTL);
  assert.ok(handed && handed.token > held.token, 'the hand-over is a new grant with a higher token');
  assert.deepEqual([handed.job_id, handed.worker_id], ['j4', 'w2']);
  assert.equal((await store.get(profile))?.token, handed.token);
  assert.equal(await store.extend(profile, held.token, TTL), false, 'the previous holder cannot renew');
  assert.equal(await store.release(profile, held.token), false, 'nor release');
  assert.equal(
    await store.handOver(profile, held.token, owner('j5'), TTL),
    undefined,
    'nor hand it over again',
  );
  assert.equal(await store.release(profile, handed.token), true);
  assert.equal(
    await store.handOver(profile, handed.token, owner('j5'), TTL),
    undefined,
    'a free lease is not handed over',
  );
}
