import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { keepLease } from '../../src/activities/lease-keeper';
import { profileActivities } from '../../src/activities/profile';
import { errorTypeOf } from '../../src/contract';
import { failureOf } from '../helpers/failures';
import { createMemoryLeaseStore } from '../../src/lease';
import { waitUntil } from '../helpers/processes';
import { instantLauncher, unitDeps } from '../helpers/unit-deps';

const job = { job_id: 'job-1', profile_id: 'profile-1', platform: 'shopee_my', client_id: 'c' };
const owner = { worker_id: 'w1', job_id: 'job-1' };

test('a slow profile start keeps the lease alive past its TTL', async () => {
  const leases = createMemoryLeaseStore();
  let renewals = 0;
  const counted = {
    ...leases,
    extend: async (...args: Parameters<typeof leases.extend>) => {
      const held = await leases.extend(...args);
      if (held) renewals += 1;
      return held;
    },
  };
  const deps = unitDeps({
    leases: counted,
    leaseTtlMs: 3_000,
    launcher: {
      ...instantLauncher,
      // The launcher answers only after the lease was renewed often enough to outlive several TTLs.
      startProfile: async () => {
        await waitUntil(() => renewals >= 4, 30_000, 'four renewals (longer than the TTL)');
        return { port: 9222 };
      },
    },
  });
  const lease = await deps.leases.acquire('profile-1', owner, deps.leaseTtlMs);
  const profiles = profileActivities(deps);
  await new MockActivityEnvironment().run(() =>
    profiles.startProfile({ job, folder_id: 'f', lease_token: lease!.token }),
  );
  const [held] = await deps.leases.list();
  assert.equal(held?.token, lease!.token, 'still held under the same token after several TTLs');
});

test('a profile whose lease was lost is not started, and the step is not retried', async () => {
  let starts = 0;
  const deps = unitDeps({
    leaseTtlMs: 60_000,
    launcher: { ...instantLauncher, startProfile: () => Promise.resolve({ port: 9222 + starts++ }) },
  });
  const lease = await deps.leases.acquire('profile-1', owner, deps.leaseTtlMs);
  await deps.leases.release('profile-1', lease!.token);
  await deps.leases.acquire('profile-1', { worker_id: 'w2', job_id: 'job-2' }, deps.leaseTtlMs);
  const profiles = profileActivities(deps);
  const err = await failureOf(
    new MockActivityEnvironment().run(() =>
      profiles.startProfile({ job, folder_id: 'f', lease_token: lease!.token }),
    ),
    'LeaseLost',
  );
  assert.equal(errorTypeOf(err), 'LeaseLost');
  assert.equal(err.nonRetryable, true);
  assert.equal(starts, 0, 'the launcher was not asked');
});

test('an unreachable lease store fences the step two thirds of the TTL after the last renewal, not at a later tick', async (t) => {
  // On mocked timers and clock: the fence's moment is exact, however busy the machine is.
  t.mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 0 });
  const ttl = 3_000;
  // A heartbeat timeout of 2.5 s makes renewals every 833 ms, a grid that misses the 2 s fence deadline.
  const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 2_500 });
  let lastConfirmedSend = 0;
  let answering = true;
  const deps = unitDeps({
    leaseTtlMs: ttl,
    leases: {
      ...createMemoryLeaseStore(),
      // The first renewal is confirmed; after it the store never answers again.
      extend: () => {
        if (!answering) return new Promise<boolean>(() => undefined);
        answering = false;
        lastConfirmedSend = Date.now();
        return Promise.resolve(true);
      },
    },
  });
  type Lost = { at: number; type?: string };
  let lost: Lost | undefined;
  const running = env.run(
    () =>
      new Promise<void>((resolve) => {
        const keeper = keepLease(
          deps,
          { profile_id: 'profile-1', token: 1 },
          {
            log: deps.log,
            onLost: (err) => {
              keeper.stop();
              lost = { at: Date.now(), type: err.type ?? undefined };
              resolve();
            },
          },
        );
      }),
  );
  // 1 ms at a time, letting the renewals' promises settle between steps (setImmediate is not mocked).
  for (let ms = 0; ms < 10_000 && !lost; ms++) {
    t.mock.timers.tick(1);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await running;
  assert.equal(lost?.type, 'LeaseLost');
  assert.ok(lastConfirmedSend > 0, 'one renewal was confirmed');
  // Due 2000 ms after it (two thirds of the TTL); the renewal tick after that comes at 2500 ms.
  assert.equal(lost.at - lastConfirmedSend, 2_000, 'fenced two thirds of the TTL after the last renewal');
});
