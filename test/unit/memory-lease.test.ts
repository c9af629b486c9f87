import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryLeaseStore } from '../../src/lease';

const owner = (job: string, worker = 'w1') => ({ job_id: job, worker_id: worker });

test('one holder at a time; the same job gets its own lease back; tokens increase', async () => {
  let now = 1000;
  const store = createMemoryLeaseStore(() => now);
  const first = await store.acquire('p1', owner('j1'), 100);
  assert.equal(first?.token, 1);
  assert.equal(await store.acquire('p1', owner('j2'), 100), undefined);
  assert.equal((await store.acquire('p1', owner('j1'), 100))?.token, 1, 'a retried acquire is re-entrant');
  assert.equal(
    await store.acquire('p1', owner('j1', 'w2'), 100),
    undefined,
    'same job on another worker waits',
  );
  now += 101;
  const second = await store.acquire('p1', owner('j2'), 100);
  assert.equal(second?.token, 2, 'an expired lease can be taken, with a higher token');
  assert.equal(await store.extend('p1', 1, 100), false, 'the old holder cannot renew');
  assert.equal(await store.release('p1', 1), false, 'nor release');
  assert.equal(await store.extend('p1', 2, 100), true);
  assert.deepEqual(
    (await store.list()).map((l) => l.job_id),
    ['j2'],
  );
  assert.equal(await store.release('p1', 2), true);
  assert.deepEqual(await store.list(), []);
});
