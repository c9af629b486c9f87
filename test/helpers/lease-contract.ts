import assert from 'node:assert/strict';
import type { LeaseStore } from '../../src/lease';

const owner = (job: string, worker = 'w1') => ({ job_id: job, worker_id: worker });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What every lease store must do, checked against a real store with real time (short TTLs). */
export async function checkLeaseContract(store: LeaseStore, profile: string): Promise<void> {
  const first = await store.acquire(profile, owner('j1'), 300);
  assert.ok(first, 'a free profile is granted');
  assert.equal(first.profile_id, profile);
  assert.equal(await store.acquire(profile, owner('j2'), 300), undefined, 'a second job waits');
  assert.equal(
    (await store.acquire(profile, owner('j1'), 300))?.token,
    first.token,
    'a retried acquire is re-entrant',
  );
  const moved = await store.acquire(profile, owner('j1', 'w2'), 300);
  assert.ok(
    moved && moved.token > first.token && moved.worker_id === 'w2',
    'the same job on another worker (host failover) takes its lease over with a higher token',
  );
  assert.equal(await store.extend(profile, first.token, 300), false, 'the dead host cannot renew');
  assert.equal(await store.release(profile, first.token), false, 'nor release');
  assert.equal(await store.acquire(profile, owner('j2', 'w2'), 300), undefined, 'another job still waits');
  assert.deepEqual(
    (await store.list()).filter((l) => l.profile_id === profile).map((l) => [l.job_id, l.worker_id]),
    [['j1', 'w2']],
  );

  await sleep(400);
  const second = await store.acquire(profile, owner('j2'), 300);
  assert.ok(
    second && second.token > moved.token,
    'an expired lease is taken over with a higher fencing token',
  );
  assert.equal(await store.extend(profile, moved.token, 300), false, 'the old holder cannot renew');
  assert.equal(await store.release(profile, moved.token), false, 'nor release');
  assert.equal(await store.extend(profile, second.token, 300), true);
  assert.equal(await store.release(profile, second.token), true);
  assert.deepEqual(
    (await store.list()).filter((l) => l.profile_id === profile),
    [],
  );
}
