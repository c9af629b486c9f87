import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { getJob, waitForJob } from '../../src/client-library';
import { createRedisLeaseStore, type LeaseStore } from '../../src/lease';
import { startAgentProcess } from '../helpers/agent';
import { startHarness, type Harness } from '../helpers/harness';
import { testPayloadEnv } from '../helpers/payload';
import { processesWith, waitUntil } from '../helpers/processes';
import { redisForTest, type TestRedis } from '../helpers/redis';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { startWorkerProcess, TEST_WORKER, type WorkerProcess } from '../helpers/spawn';

// A host that is lost but not dead (cut off from Temporal, still reaching Redis and its MLX agent): the
// job moves to another worker, the stop sent to the lost host's queue times out and is never retried, and
// the browser outlives the step. The lost host's reaper sees the lease passed to the new host and stops it
// at once: the lease decides, so it does not wait on the run check that Temporal cannot answer.
let dir: string;
let redis: TestRedis;
let leases: LeaseStore;
let h: Harness;
let agent: ChildProcess | undefined;
let hostA: WorkerProcess | undefined;
let link: TcpProxy | undefined;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mlx-lost-host-'));
  redis = await redisForTest();
  leases = createRedisLeaseStore(redis.url, redis.prefix);
  h = await startHarness({ leases, leaseTtlMs: 10_000 });
});
after(async () => {
  hostA?.child.kill('SIGKILL');
  await link?.close();
  agent?.kill('SIGTERM');
  for (const p of processesWith(dir)) process.kill(p.pid, 'SIGKILL');
  await h?.close();
  await leases?.close();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function startAgent(dataDir: string): Promise<{ url: string; token: string }> {
  const started = await startAgentProcess(dataDir);
  agent = started.child;
  return started;
}

const hostLostAfter = { schedule_to_start_ms: 3_000 };

test("a lost host's browser is stopped by its own reaper once the job moved on, with the agent running all along", async () => {
  const agentDir = join(dir, 'agent-a');
  const { url: agentUrl, token: agentToken } = await startAgent(agentDir);
  link = await startTcpProxy(h.server.address);
  hostA = await startWorkerProcess(
    {
      TEMPORAL_ADDRESS: link.address,
      TEMPORAL_NAMESPACE: h.server.namespace,
      MLX_TASK_QUEUE: h.taskQueue,
      MLX_WORKER_ID: 'host-a',
      MLX_WEBHOOK_UNSIGNED: 'true',
      MLX_WEBHOOK_ALLOW_HOSTS: '127.0.0.1:*',
      MLX_DATA_DIR: join(dir, 'host-a'),
      MLX_LAUNCHER_URL: agentUrl,
      MLX_TOKEN: agentToken,
      MLX_REDIS_URL: redis.url,
      MLX_REDIS_PREFIX: redis.prefix,
      MLX_LEASE_TTL_MS: '10000',
      MLX_REAPER_INTERVAL_MS: '500',
      MLX_LOG_LEVEL: 'info',
      ...testPayloadEnv(h.dataDir),
    },
    undefined,
    TEST_WORKER,
  );
  const agentBrowsers = (profileId: string) =>
    processesWith(`--user-data-dir=${join(agentDir, 'profiles', profileId)}`);

  // The harness worker is full, so host-a takes the job.
  const blockers = Array.from({ length: h.deps.slots.max }, (_, i) => `blocker-${i}`);
  for (const blocker of blockers) {
    h.deps.slots.take({ job_id: blocker, profile_id: blocker, workflow_id: blocker, run_id: blocker });
  }
  const profile = 'lost-host-profile';
  const job = await h.submit({
    job_id: 'lost-host',
    profile_id: profile,
    task: { name: 'hold_browser', input: { ms: 8_000 } },
    policies: {
      acquireLease: { retry: { maximum_attempts: 10 } },
      startProfile: hostLostAfter,
      cdpConnect: hostLostAfter,
      executeTask: { ...hostLostAfter, heartbeat_ms: 3_000 },
      stopProfile: hostLostAfter,
    },
  });
  const progress = async () => (await getJob(h.client, job.job_id)).progress;
  await waitUntil(
    async () => {
      const p = await progress();
      return p?.worker_id === 'host-a' && p.current_step === 'executeTask';
    },
    // host-a's process, the agent and Chromium all start first: on a loaded machine (two suite runs at
    // load 18) that alone outlasted 30 s. A bound for failing, not a wait.
    120_000,
    'the task on host-a',
  );
  assert.ok(agentBrowsers(profile).length > 0, "host-a's agent runs the browser");

  // host-a loses Temporal: no heartbeat, no poll gets through. Redis and its agent still answer.
  link.partition();
  for (const blocker of blockers) h.deps.slots.free(blocker);
  await waitUntil(
    async () => (await progress())?.worker_id === 'test-worker',
    60_000,
    'the job to move to the harness worker',
  );
  // The job's stop for host-a waits in host-a's queue and times out: only host-a's reaper can stop it.
  await waitUntil(
    () => agentBrowsers(profile).length === 0,
    10_000 + 2_000,
    "host-a's browser to be stopped",
  );
  // Which reason it gives depends on whether the harness worker has leased the profile by the time the
  // reaper looks (it may still be waiting for a slot): both mean the job left host-a.
  const reaped = (line: string) =>
    line.includes('reaper stopped a profile no live job owns') &&
    line.includes(`"job_id":"${job.job_id}"`) &&
    (line.includes('the job moved to worker test-worker') || line.includes('"reason":"its lease expired"'));
  await waitUntil(
    () => hostA!.lines().some(reaped),
    10_000,
    "host-a's reaper to log what it did, with the job id",
  ).catch((err: unknown) => {
    console.error(
      hostA!
        .lines()
        .filter((l) => l.includes('reaper') || l.includes('lease'))
        .join('\n'),
    );
    throw err;
  });
  const result = await waitForJob(h.client, job.job_id);
  assert.equal(result.worker_id, 'test-worker');
});
