import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createProfileSlots, startLeaseRenewal } from '../../src/host';
import { createMemoryLeaseStore, type LeaseStore } from '../../src/lease';
import { createLogger } from '../../src/telemetry';
import { waitUntil } from '../helpers/processes';

const TTL = 600;
const run = { workflow_id: 'wf', run_id: 'run' };
const owner = { worker_id: 'w1', job_id: 'job-1' };

function setup(leases: LeaseStore = createMemoryLeaseStore()) {
  const lines: string[] = [];
  const slots = createProfileSlots(2);
  const log = createLogger({ level: 'info', write: (line) => lines.push(line) });
  const renewal = startLeaseRenewal({ slots, leases, leaseTtlMs: TTL, log });
  return { lines, slots, leases, renewal };
}

test('a held slot keeps its lease alive between steps, for several TTLs', async (t) => {
  // The store's clock moves only when the test moves it, so a late timer cannot expire the lease.
  let now = 0;
  const store = createMemoryLeaseStore(() => now);
  let renewals = 0;
  const { slots, leases, renewal } = setup({
    ...store,
    extend: async (...args) => {
      const held = await store.extend(...args);
      if (args[0] === 'p1') renewals += 1;
      return held;
    },
  });
  t.after(() => renewal.stop());
  const lease = await leases.acquire('p1', owner, TTL);
  slots.take({ job_id: 'job-1', profile_id: 'p1', ...run });
  slots.leased('job-1', lease!.token);
  // Four times: the renewal timer renews the lease, then 90% of a TTL passes.
  for (let i = 0; i < 4; i++) {
    const before = renewals;
    await waitUntil(() => renewals > before, 10_000, `renewal ${i + 1}`);
    now += TTL * 0.9;
  }
  assert.equal((await leases.get('p1'))?.token, lease!.token, 'still held by the job after 3.6 TTLs');

  // Freed (the job stopped its profile): a renewal round leaves it alone, so it lapses.
  slots.free('job-1');
  await renewal.renew(); // a round begun before the free ends first
  const before = renewals;
  await renewal.renew();
  assert.equal(renewals, before, 'not renewed once freed');
  now += TTL;
  assert.equal(await leases.get('p1'), undefined, 'the lease lapsed');
});

test('a lease taken over is no longer renewed, the slot forgets it and the worker says so', async (t) => {
  const { slots, leases, renewal, lines } = setup();
  t.after(() => renewal.stop());
  const lease = await leases.acquire('p2', owner, TTL);
  slots.take({ job_id: 'job-1', profile_id: 'p2', ...run });
  slots.leased('job-1', lease!.token);
  // The same job taken over by another worker (host failover): a new token.
  const moved = await leases.acquire('p2', { ...owner, worker_id: 'w2' }, 60_000);
  assert.notEqual(moved!.token, lease!.token);
  await renewal.renew();
  assert.equal(slots.holders()[0]?.lease_token, undefined);
  assert.equal(lines.filter((l) => l.includes('lease lost between steps')).length, 1);
  await renewal.renew();
  assert.equal(lines.filter((l) => l.includes('lease lost between steps')).length, 1, 'said once');
  assert.equal((await leases.get('p2'))?.worker_id, 'w2', "the new holder's lease untouched");
});

test('an unreachable lease store is logged once per job until a renewal succeeds again', async (t) => {
  const store = createMemoryLeaseStore();
  let down = false;
  const flaky: LeaseStore = {
    ...store,
    extend: (...args) => (down ? Promise.reject(new Error('ECONNREFUSED')) : store.extend(...args)),
  };
  const { slots, renewal, lines } = setup(flaky);
  t.after(() => renewal.stop());
  const lease = await store.acquire('p3', owner, 60_000);
  slots.take({ job_id: 'job-1', profile_id: 'p3', ...run });
  slots.leased('job-1', lease!.token);
  down = true;
  await renewal.renew();
  await renewal.renew();
  assert.equal(lines.filter((l) => l.includes('lease renewal failed')).length, 1);
  assert.equal(slots.holders()[0]?.lease_token, lease!.token, 'an outage is not a loss');
  down = false;
  await renewal.renew();
  assert.equal(lines.filter((l) => l.includes('lease renewed again')).length, 1);
});
