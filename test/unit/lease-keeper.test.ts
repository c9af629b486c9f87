import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { keepLease } from '../../src/activities/lease-keeper';
import { profileActivities } from '../../src/activities/profile';
import { errorTypeOf } from '../../src/contract';
import { failureOf } from '../helpers/failures';
import { createMemoryLeaseStore } from '../../src/lease';
import { startLeaseRenewal } from '../../src/host';
import { waitUntil } from '../helpers/processes';
import { instantLauncher, UNIT_TASK, unitDeps } from '../helpers/unit-deps';

const job = { job_id: 'job-1', profile_id: 'profile-1', platform: 'shopee_my', client_id: 'c' };
const owner = { worker_id: 'w1', job_id: 'job-1' };

test("a slow profile start keeps the lease alive past its TTL, through the host's renewal", async (t) => {
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
  // The worker's renewal: the only thing that extends the lease; no slot here, the running step asks it.
  const renewal = startLeaseRenewal(deps);
  t.after(() => renewal.stop());
  const lease = await deps.leases.acquire('profile-1', owner, deps.leaseTtlMs);
  const profiles = profileActivities(deps);
  await new MockActivityEnvironment().run(() =>
    profiles.startProfile({ job, folder_id: 'f', task: UNIT_TASK, lease_token: lease!.token }),
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
      profiles.startProfile({ job, folder_id: 'f', task: UNIT_TASK, lease_token: lease!.token }),
    ),
    'LeaseLost',
  );
  assert.equal(errorTypeOf(err), 'LeaseLost');
  assert.equal(err.nonRetryable, true);
  assert.equal(starts, 0, 'the launcher was not asked');
});

test('an unreachable lease store fences the step two thirds of the TTL after the last confirmed renewal', async (t) => {
  // On mocked timers and clock: the fence's moment is exact, however busy the machine is.
  t.mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 0 });
  const ttl = 3_000;
  const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 2_500 });
  let lastConfirmedSend = 0;
  let answering = true;
  // Unanswered renewals are answered (refused) when the test ends, so the renewal can stop.
  const unanswered: ((held: boolean) => void)[] = [];
  const deps = unitDeps({
    leaseTtlMs: ttl,
    leases: {
      ...createMemoryLeaseStore(),
      // The first renewal is confirmed; after it the store never answers again.
      extend: () => {
        if (!answering) return new Promise<boolean>((resolve) => unanswered.push(resolve));
        answering = false;
        lastConfirmedSend = Date.now();
        return Promise.resolve(true);
      },
    },
  });
  const renewal = startLeaseRenewal(deps);
  t.after(async () => {
    for (const answer of unanswered) answer(false);
    await renewal.stop();
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
  // Due 2000 ms after it (two thirds of the TTL), on the fence's own timer: not at a heartbeat (every
  // 833 ms) nor at a later renewal round (every 750 ms; the one after the confirmed renewal hangs).
  assert.equal(lost.at - lastConfirmedSend, 2_000, 'fenced two thirds of the TTL after the last renewal');
});

test("a lease the host's renewal finds lost stops the step at once", async (t) => {
  const deps = unitDeps({ leaseTtlMs: 60_000 });
  const renewal = startLeaseRenewal(deps);
  t.after(() => renewal.stop());
  const lease = await deps.leases.acquire('profile-2', owner, deps.leaseTtlMs);
  const lost = new MockActivityEnvironment().run(
    () =>
      new Promise<string | undefined>((resolve) => {
        const keeper = keepLease(
          deps,
          { profile_id: 'profile-2', token: lease!.token },
          {
            log: deps.log,
            onLost: (err) => {
              keeper.stop();
              resolve(err.message);
            },
          },
        );
      }),
  );
  // Taken over (another host, another token) while the step runs.
  await deps.leases.acquire('profile-2', { worker_id: 'w2', job_id: 'job-1' }, 60_000);
  await renewal.renew();
  assert.match(String(await lost), /was lost during the step/);
});
