import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { ActivityDeps } from '../../src/activities';
import { cdpActivities } from '../../src/activities/cdp';
import { profileActivities } from '../../src/activities/profile';
import { taskActivities } from '../../src/activities/task';
import Redis from 'ioredis';
import { getJob, waitForJob } from '../../src/client-library';
import { workflowIdFor } from '../../src/contract';
import { createOpenProfiles, startLeaseRenewal } from '../../src/host';
import { startLocalLauncher, type LocalLauncher } from '../../src/launcher';
import {
  createMemoryLeaseStore,
  createRedisLeaseStore,
  renewalIntervalMs,
  type LeaseStore,
} from '../../src/lease';
import { createLauncherClient } from '../../src/mlx';
import { createLogger } from '../../src/telemetry';
import { createTaskRegistry } from '../../src/tasks';
import { failureOf } from '../helpers/failures';
import { eventTimeMs } from '../helpers/history';
import { startHarness, type Harness } from '../helpers/harness';
import { processesWith, waitUntil } from '../helpers/processes';
import { startRedis } from '../helpers/redis';
import { testTasks } from '../helpers/test-tasks';
import { UNIT_TASK, unitDeps } from '../helpers/unit-deps';

// Only the lease holder drives or stops a profile. The first four tests prove each activity's own check
// on its own: run through Temporal's mock activity environment, against the memory lease store and (for
// the first) a real local launcher with real Chromium. Fencing itself, a job on a real Temporal dev
// server with its leases in a real Redis, is proven by the last two: a lease passed to another holder,
// and a lease store gone away.
let dir: string;
let launcher: LocalLauncher;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mlx-fencing-'));
  launcher = await startLocalLauncher({ dataDir: dir });
});
after(async () => {
  await launcher?.close();
  rmSync(dir, { recursive: true, force: true });
});

const jobOf = (id: string, profile: string) => ({
  job_id: id,
  profile_id: profile,
  platform: 'shopee_my',
  client_id: 'c',
});
const run = <T>(fn: () => Promise<T>) => new MockActivityEnvironment().run(fn);
const browsers = (profile: string, dataDir = dir) =>
  processesWith(`--user-data-dir=${join(dataDir, 'profiles', profile)}`);

/**
 * executeTask of a job on `profileId`, on port 1: no browser listens there, so an attach would fail as
 * CdpUnreachable.
 */
const executeTaskWithoutBrowser = (deps: ActivityDeps, profileId: string, lease_token: number) =>
  run(() =>
    taskActivities(deps).executeTask({
      spec: { ...jobOf('j', profileId), folder_id: 'f', task: { name: 'read_title', input: { title: 't' } } },
      port: 1,
      lease_token,
    }),
  );

function hostDeps(overrides: Partial<ActivityDeps> = {}): ActivityDeps {
  return unitDeps({
    launcher: createLauncherClient({ baseUrl: launcher.url }),
    profiles: createOpenProfiles(),
    tasks: createTaskRegistry(testTasks),
    ...overrides,
  });
}

// Proves stopProfile's token check (the activity alone, mock environment, memory store, real Chromium).
test("a late stop of a job that lost the profile is refused: it does not kill the new holder's browser", async () => {
  const deps = hostDeps();
  const profiles = profileActivities(deps);
  const owner = (job: string) => ({ worker_id: 'w1', job_id: job });
  const old = await deps.leases.acquire('fenced-1', owner('old-job'), 60_000);
  // The old job's lease lapsed; a new job holds the profile and runs its browser.
  await deps.leases.release('fenced-1', old!.token);
  const current = await deps.leases.acquire('fenced-1', owner('new-job'), 60_000);
  await run(() =>
    profiles.startProfile({
      job: jobOf('new-job', 'fenced-1'),
      folder_id: 'f',
      task: UNIT_TASK,
      lease_token: current!.token,
    }),
  );
  assert.ok(browsers('fenced-1').length > 0);

  const late = (await run(() =>
    profiles.stopProfile({ job: jobOf('old-job', 'fenced-1'), lease_token: old!.token }),
  )) as { refused?: boolean };
  assert.equal(late.refused, true);
  assert.ok(browsers('fenced-1').length > 0, "the new holder's browser still runs");
  assert.equal(deps.profiles.get('fenced-1')?.job_id, 'new-job');

  await run(() => profiles.stopProfile({ job: jobOf('new-job', 'fenced-1'), lease_token: current!.token }));
  await waitUntil(() => browsers('fenced-1').length === 0, 10_000, 'the holder to stop its browser');
});

// Proves executeTask's check before it attaches (the activity alone, mock environment, memory store).
test('executeTask checks the lease before it attaches: a retry after the lease was lost fails for good', async () => {
  const deps = hostDeps();
  const lease = await deps.leases.acquire('fenced-2', { worker_id: 'w1', job_id: 'j' }, 60_000);
  await deps.leases.release('fenced-2', lease!.token);
  const err = await failureOf(executeTaskWithoutBrowser(deps, 'fenced-2', lease!.token), 'LeaseLost');
  assert.equal(err.nonRetryable, true, 'not retried on this host');
});

// Proves that check failing closed when the store cannot answer (the activity alone, a store that refuses).
test('a step that cannot reach the lease store does not touch the profile and fails for good on that host', async () => {
  const leases = createMemoryLeaseStore();
  const lease = await leases.acquire('fenced-4', { worker_id: 'w1', job_id: 'j' }, 60_000);
  const unreachable = {
    ...leases,
    extend: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')),
  };
  const deps = hostDeps({ leases: unreachable });
  const err = await failureOf(executeTaskWithoutBrowser(deps, 'fenced-4', lease!.token), 'LeaseLost');
  assert.equal(err.nonRetryable, true, 'the job leases again instead of retrying here');
  assert.match(
    err.message,
    /could not be confirmed before the task attached \(lease store unreachable: .*ECONNREFUSED/,
  );
});

// Proves cdpConnect's lease stays renewed while it probes (the activity with the host's renewal, mock
// environment, memory store).
test("cdpConnect keeps the lease alive while it waits for the browser, through the host's renewal", async (t) => {
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
  const deps = unitDeps({ leases: counted, leaseTtlMs: 3_000 });
  const renewal = startLeaseRenewal(deps);
  t.after(() => renewal.stop());
  const lease = await leases.acquire('fenced-3', { worker_id: 'w1', job_id: 'j' }, 3_000);
  // Nothing listens on port 1: the probe waits for as long as the attempt's start-to-close allows
  // (12 s less the margins, about 9 s), three times the lease's TTL.
  await failureOf(
    new MockActivityEnvironment({ startToCloseTimeoutMs: 12_000 }).run(() =>
      cdpActivities(deps).cdpConnect({ job: jobOf('j', 'fenced-3'), port: 1, lease_token: lease!.token }),
    ),
    'CdpUnreachable',
  );
  assert.ok(renewals >= 4, `renewed while probing (${renewals} times)`);
  assert.equal((await leases.get('fenced-3'))?.token, lease!.token, 'still held after several TTLs');
});

/**
 * A 15 s task of a job on the harness, once it runs, not only scheduled: it confirmed its lease, and its
 * keeper heartbeats and watches the host's renewals. Before that confirmation the step would fail as LeaseLost
 * without a fence. Its lease retries are patient, so it can lease the profile again.
 */
async function drivingJob(h: Harness, jobId: string) {
  const job = await h.submit({
    job_id: jobId,
    task: { name: 'hold_browser', input: { ms: 15_000 } },
    policies: { acquireLease: { retry: { maximum_attempts: 10, maximum_interval_ms: 1_000 } } },
  });
  const handle = h.client.workflow.getHandle(workflowIdFor(job.job_id));
  await waitUntil(
    async () =>
      ((await handle.describe()).raw.pendingActivities ?? []).some(
        (a) => a.activityType?.name === 'executeTask' && a.lastHeartbeatTime,
      ),
    30_000,
    "the task's first heartbeat",
  );
  return job;
}

test('with the lease store unreachable the task stops driving before its lease can expire, and the job finishes once it is back', async () => {
  const redis = await startRedis();
  const port = Number(new URL(redis.url).port);
  const leases = createRedisLeaseStore(redis.url, 'fence');
  const lines: string[] = [];
  const ttl = 6_000;
  const h = await startHarness({
    leases,
    leaseTtlMs: ttl,
    log: createLogger({ level: 'warn', write: (line) => lines.push(line) }),
  });
  let restarted: Awaited<ReturnType<typeof startRedis>> | undefined;
  try {
    const job = await drivingJob(h, 'fence-redis-down');
    await redis.stop();
    const fenced = () => lines.find((l) => l.includes('lease not renewed in time'));
    await waitUntil(() => fenced() !== undefined, 30_000, 'the task to fence itself').catch(
      (err: unknown) => {
        console.error(lines.join('\n'));
        throw err;
      },
    );
    // Redis set the lease's expiry a TTL after it received the last renewal the keeper saw confirmed,
    // so no later than a TTL after the keeper sent it: the fence came before anyone else could lease it.
    const fence = JSON.parse(fenced()!) as { unconfirmed_ms: number; lease_ttl_ms: number };
    assert.equal(fence.lease_ttl_ms, ttl);
    assert.ok(
      fence.unconfirmed_ms < ttl,
      `fenced ${fence.unconfirmed_ms} ms after the last renewal (TTL ${ttl})`,
    );

    restarted = await startRedis(10_000, port);
    const result = await waitForJob(h.client, job.job_id);
    assert.equal(result.status, 'completed', 'the job leased the profile again and finished');
  } finally {
    await h.close();
    await leases.close();
    await (restarted ?? redis).stop();
  }
});

test('while a task runs its lease is extended once per renewal interval: the host renews it, the step only watches', async () => {
  const store = createMemoryLeaseStore();
  const profile = 'profile-one-renewal';
  const extendedAt: number[] = [];
  const counted: LeaseStore = {
    ...store,
    extend: (profileId, ...rest) => {
      if (profileId === profile) extendedAt.push(Date.now());
      return store.extend(profileId, ...rest);
    },
  };
  const ttl = 3_000;
  const h = await startHarness({ leases: counted, leaseTtlMs: ttl });
  try {
    const job = await h.submit({
      job_id: 'one-renewal-path',
      profile_id: profile,
      task: { name: 'hold_browser', input: { ms: 4 * ttl } },
    });
    assert.equal((await waitForJob(h.client, job.job_id)).status, 'completed');
    const events = (await h.client.workflow.getHandle(workflowIdFor(job.job_id)).fetchHistory()).events!;
    const scheduled = events.find(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'executeTask',
    )!;
    const ofTask = (e: (typeof events)[number]) =>
      [e.activityTaskStartedEventAttributes, e.activityTaskCompletedEventAttributes].some(
        (a) => a?.scheduledEventId?.toString() === scheduled.eventId?.toString(),
      );
    const [startedAt, endedAt] = events.filter(ofTask).map((e) => eventTimeMs(e.eventTime));
    const during = extendedAt.filter((at) => at > startedAt! && at < endedAt!).length;
    const intervals = Math.floor((endedAt! - startedAt!) / renewalIntervalMs(ttl));
    // One renewal a round, plus the step's confirmation of its lease as it began and a round at the edge.
    assert.ok(
      during <= intervals + 2,
      `${during} extends in ${endedAt! - startedAt!} ms: at most one per ${renewalIntervalMs(ttl)} ms`,
    );
    assert.ok(during >= intervals - 1, `renewed all along the task (${during} extends)`);
  } finally {
    await h.close();
  }
});

test('on Temporal and Redis: a job whose lease passed to another holder stops driving, never touches that lease, and finishes once it is free', async () => {
  const redis = await startRedis();
  const leases = createRedisLeaseStore(redis.url, 'takeover');
  const h = await startHarness({ leases, leaseTtlMs: 6_000 });
  const admin = new Redis(redis.url);
  try {
    const profile = 'profile-fence-takeover';
    const job = await drivingJob(h, 'fence-takeover');
    const held = await leases.get(profile);
    assert.equal(held?.job_id, job.job_id);
    // The lease passes to another holder, as when it expired: gone from Redis, then granted anew.
    await admin.del(`takeover:lease:${profile}`);
    const other = await leases.acquire(profile, { worker_id: 'other-worker', job_id: 'other-job' }, 60_000);
    assert.ok(other && other.token > held.token, 'the new grant carries a higher token');

    // It stops driving: its keeper finds the lease gone at its next renewal (LeaseLost), or, sooner,
    // the reaper sees another holder's lease and stops the browser under the task (BrowserCrashed).
    let stopped: string | undefined;
    await waitUntil(
      async () => {
        const steps = (await getJob(h.client, job.job_id)).progress?.steps ?? [];
        stopped = steps.find((s) => s.step === 'executeTask' && s.status === 'failed')?.failure_type;
        return stopped !== undefined;
      },
      30_000,
      'the task to stop driving',
    );
    assert.ok(stopped === 'LeaseLost' || stopped === 'BrowserCrashed', stopped);
    const during = await leases.get(profile);
    assert.deepEqual(
      { token: during?.token, worker: during?.worker_id },
      { token: other.token, worker: 'other-worker' },
      "the job neither renewed, released nor took the other holder's lease",
    );
    await leases.release(profile, other.token);

    const result = await waitForJob(h.client, job.job_id);
    assert.equal(result.status, 'completed', 'the job leased the profile again and finished');
    assert.deepEqual(await leases.list(), [], 'no lease left');
    await waitUntil(() => browsers(profile, h.dataDir).length === 0, 20_000, 'no browser of the job left');
  } finally {
    admin.disconnect();
    await h.close();
    await leases.close();
    await redis.stop();
  }
});
