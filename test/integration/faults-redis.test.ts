import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Redis from 'ioredis';
import { getJob, waitForJob } from '../../src/client-library';
import { waitingQuery, workflowIdFor } from '../../src/contract';
import { createRedisLeaseStore, type LeaseStore } from '../../src/lease';
import { createLogger } from '../../src/telemetry';
import { startHarness, type Harness } from '../helpers/harness';
import { waitUntil } from '../helpers/processes';
import { startRedis, type RedisServer } from '../helpers/redis';
import { countedRuns, heldJobs } from '../helpers/test-tasks';

// Fault 3 of the reliability suite (docs/reliability.md): the lease store goes away while a job drives
// its profile and another job waits for it. Redis restarted (with the AOF persistence the docs ask for),
// and Redis losing its data (FLUSHALL). Checked on the launcher's own start/stop timeline: one browser of
// the profile at a time, and the holder is never stopped under its task by the job that waits.
const TTL_MS = 9_000;
let dir: string;
let redis: RedisServer;
let port: number;
let leases: LeaseStore;
let h: Harness;
const workerLines: string[] = [];
const launcherLines: string[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mlx-faults-redis-'));
  redis = await startRedis(10_000, undefined, dir);
  port = Number(new URL(redis.url).port);
  leases = createRedisLeaseStore(redis.url, 'faults');
  h = await startHarness({
    leases,
    leaseTtlMs: TTL_MS,
    log: createLogger({ level: 'info', write: (line) => workerLines.push(line) }),
    launcher: { log: createLogger({ level: 'info', write: (line) => launcherLines.push(line) }) },
  });
});
after(async () => {
  await h?.close();
  await leases?.close();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The launcher's start/stop events of one profile, in order: +1 a browser started, -1 one ended. */
function timeline(profileId: string): number[] {
  return launcherLines
    .map((line) => JSON.parse(line) as { msg: string; profile_id?: string })
    .filter((entry) => entry.profile_id === profileId)
    .flatMap((entry) =>
      entry.msg === 'profile started'
        ? [1]
        : entry.msg === 'profile stopped' || entry.msg === 'browser exited by itself'
          ? [-1]
          : [],
    );
}

function assertOneBrowserAtATime(profileId: string, starts: number): void {
  const events = timeline(profileId);
  let running = 0;
  for (const event of events) {
    running += event;
    assert.ok(running === 0 || running === 1, `two browsers of ${profileId} at once: ${String(events)}`);
  }
  assert.equal(running, 0, 'the last browser was stopped');
  assert.equal(events.filter((e) => e === 1).length, starts, `${starts} browser starts: ${String(events)}`);
}

/**
 * A job that holds the profile (its task runs until the test takes its id out of heldJobs), and one for
 * the same profile that waits for it.
 */
async function holderAndWaiter(profileId: string) {
  const patient = {
    acquireLease: { retry: { maximum_attempts: 10, maximum_interval_ms: 3_000 } },
    startProfile: { retry: { maximum_attempts: 10, maximum_interval_ms: 1_000 } },
  };
  heldJobs.add(`${profileId}-holder`);
  const holder = await h.submit({
    job_id: `${profileId}-holder`,
    profile_id: profileId,
    task: { name: 'counted_hold', input: { ms: 0 } },
    policies: patient,
  });
  await waitUntil(() => countedRuns.get(holder.job_id) === 1, 60_000, 'the holder to drive its profile');
  const waiter = await h.submit({
    job_id: `${profileId}-waiter`,
    profile_id: profileId,
    task: { name: 'counted_hold', input: { ms: 0 } },
    policies: patient,
  });
  // The waiter rests in the profile's queue while the holder has its turn (fair waiting).
  const waiting = `${waitingQuery('profile')} AND WorkflowId = '${workflowIdFor(waiter.job_id)}'`;
  await waitUntil(
    async () => (await h.client.workflow.count(waiting)).count === 1,
    30_000,
    'the waiter to wait for its turn',
  );
  return { holder, waiter };
}

const taskAttempts = async (jobId: string) =>
  ((await getJob(h.client, jobId)).progress?.steps ?? [])
    .filter((s) => s.step === 'executeTask')
    .map((s) => s.failure_type ?? s.status);

test('Redis restarted (AOF) while a lease is held: the holder keeps it and finishes, then the waiter runs', async () => {
  const profile = 'redis-restart';
  const { holder, waiter } = await holderAndWaiter(profile);
  const said = (text: string) =>
    workerLines.filter((l) => l.includes(text) && l.includes(`"profile_id":"${profile}"`)).length;
  await redis.stop();
  await waitUntil(() => said('lease renewal failed') > 0, TTL_MS, 'a renewal to fail while Redis is down');
  redis = await startRedis(10_000, port, dir);
  // The holder's task still runs: it ends only once its lease was renewed after the restart.
  await waitUntil(() => said('lease renewed again') > 0, TTL_MS, 'the lease to be renewed after the restart');
  heldJobs.delete(holder.job_id);

  assert.equal((await waitForJob(h.client, holder.job_id)).status, 'completed');
  assert.equal((await waitForJob(h.client, waiter.job_id)).status, 'completed');
  assert.deepEqual(await taskAttempts(holder.job_id), ['completed'], 'the holder was never fenced');
  assert.equal(countedRuns.get(holder.job_id), 1);
  assert.equal(countedRuns.get(waiter.job_id), 1);
  assertOneBrowserAtATime(profile, 2);
  assert.deepEqual(await leases.list(), [], 'no lease left');
});

test('Redis loses its data (FLUSHALL) while a lease is held: the holder fences itself, no browser overlaps, both jobs finish', async () => {
  const profile = 'redis-flushed';
  const { holder, waiter } = await holderAndWaiter(profile);
  const admin = new Redis(redis.url);
  try {
    await admin.flushall();
  } finally {
    admin.disconnect();
  }
  // The holder's first run drives its profile until it is stopped; its second run may then end.
  const said = (text: string) =>
    workerLines.some((l) => l.includes(text) && l.includes(`"profile_id":"${profile}"`));
  const stopped = () =>
    said('lease lost during the step: stopping it') || said('reaper stopped a profile no live job owns');
  await waitUntil(stopped, 4 * TTL_MS, 'the holder to be stopped');
  heldJobs.delete(holder.job_id);

  assert.equal((await waitForJob(h.client, holder.job_id)).status, 'completed');
  assert.equal((await waitForJob(h.client, waiter.job_id)).status, 'completed');
  // The holder stopped driving: the worker's next renewal found the lease gone and the task's keeper
  // stopped it (LeaseLost), or,
  // sooner, the reaper saw the waiter holding the lease and stopped the holder's browser (BrowserCrashed).
  // Either way it leased the profile again and ran its task on a fresh browser.
  const [fenced, ...rest] = await taskAttempts(holder.job_id);
  assert.ok(fenced === 'LeaseLost' || fenced === 'BrowserCrashed', String(fenced));
  assert.deepEqual(rest, ['completed']);
  assert.equal(countedRuns.get(holder.job_id), 2);
  assert.equal(countedRuns.get(waiter.job_id), 1);
  assertOneBrowserAtATime(profile, 3);
  assert.deepEqual(await leases.list(), [], 'no lease left');
  assert.equal(h.launcher.runningProfiles().length, 0, 'no browser left');
});

test('after a data loss every new grant carries a higher fencing token: an old holder cannot renew or release it', async () => {
  const admin = new Redis(redis.url);
  try {
    await admin.flushall();
    const before = await leases.acquire('redis-tokens', { worker_id: 'w1', job_id: 'old' }, TTL_MS);
    // The loss comes later than the grant (here: by at least the millisecond the store counts in).
    const grantedAt = Date.now();
    await waitUntil(() => Date.now() > grantedAt + 1, 1_000, 'the next millisecond');
    await admin.flushall();
    const after = await leases.acquire('redis-tokens', { worker_id: 'w2', job_id: 'new' }, TTL_MS);
    assert.ok(before && after && after.token > before.token, `${before?.token} then ${after?.token}`);
    assert.equal(await leases.extend('redis-tokens', before.token, TTL_MS), false, 'no renewal');
    assert.equal(await leases.release('redis-tokens', before.token), false, 'no release');
    assert.equal((await leases.get('redis-tokens'))?.job_id, 'new');
    assert.equal(await leases.release('redis-tokens', after.token), true);
  } finally {
    admin.disconnect();
  }
});
