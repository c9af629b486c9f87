import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createLeaseRecords,
  createOpenProfiles,
  createProfileSlots,
  startLeaseRenewal,
  type LeaseRecord,
} from '../../src/host';
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
  const leaseRecords = createLeaseRecords();
  const renewal = startLeaseRenewal({
    slots,
    profiles: createOpenProfiles(),
    leaseRecords,
    leases,
    leaseTtlMs: TTL,
    log,
  });
  return { lines, slots, leases, leaseRecords, renewal };
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

/** `store` with every extend counted, by profile. */
function countingExtends(store: LeaseStore) {
  const extends_ = new Map<string, number>();
  const counted: LeaseStore = {
    ...store,
    extend: (profileId, ...rest) => {
      extends_.set(profileId, (extends_.get(profileId) ?? 0) + 1);
      return store.extend(profileId, ...rest);
    },
  };
  return { counted, extendsOf: (profileId: string) => extends_.get(profileId) ?? 0 };
}

test("a running step's lease is renewed once a round, with or without a slot, and its record says when", async (t) => {
  const { counted, extendsOf } = countingExtends(createMemoryLeaseStore());
  const { slots, leaseRecords, renewal } = setup(counted);
  t.after(() => renewal.stop());
  const lease = await counted.acquire('p4', owner, 60_000);
  const ref = { profile_id: 'p4', token: lease!.token };
  const heard: LeaseRecord[] = [];
  // A step on a worker restarted under its job: no slot here, still renewed.
  const unwatch = leaseRecords.watch(ref, (record) => heard.push(record));
  const before = Date.now();
  await renewal.renew();
  assert.equal(extendsOf('p4'), 1);
  assert.equal(heard.length, 1);
  assert.ok(heard[0]!.confirmedAt >= before && !heard[0]!.lost, 'the confirmed renewal is recorded');

  // The job's slot and its running step refer to the same lease: still one renewal a round.
  slots.take({ job_id: 'job-1', profile_id: 'p4', ...run });
  slots.leased('job-1', lease!.token);
  await renewal.renew();
  assert.equal(extendsOf('p4'), 2);

  // The step ended, the slot is freed: nothing renews it any more.
  unwatch();
  slots.free('job-1');
  await renewal.renew();
  assert.equal(extendsOf('p4'), 2);
  assert.deepEqual(leaseRecords.watched(), []);
});

test('a lease taken over while a step runs is recorded lost, once', async (t) => {
  const { leases, leaseRecords, renewal } = setup();
  t.after(() => renewal.stop());
  const lease = await leases.acquire('p5', owner, TTL);
  const heard: LeaseRecord[] = [];
  leaseRecords.watch({ profile_id: 'p5', token: lease!.token }, (record) => heard.push(record));
  await leases.acquire('p5', { ...owner, worker_id: 'w2' }, 60_000);
  await renewal.renew();
  await renewal.renew();
  assert.deepEqual(
    heard.map((r) => r.lost),
    [true],
  );
});
