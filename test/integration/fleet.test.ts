import { type StepPolicies } from '../../src/contract';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Client } from '@temporalio/client';
import { connectClient, startJob, waitForJob } from '../../src/client-library';
import { loadClientConfig } from '../../src/config';
import { startTestTemporal, type TestTemporal } from '../helpers/temporal';
import { DEFAULT_POLICY_BOUNDS } from '../../src/policies';
import { fastPolicies } from '../helpers/policies';
import { builtinTasks, createTaskRegistry } from '../../src/tasks';
import { testTasks } from '../helpers/test-tasks';
import { processesMatching, processesWith, waitUntil } from '../helpers/processes';
import { redisForTest, type TestRedis } from '../helpers/redis';
import { startWorkerProcess, TEST_WORKER, type WorkerProcess } from '../helpers/spawn';

// A fleet on one machine: worker processes sharing one Redis lease store, each with its embedded launcher
// and real Chromium. Host steps time out in seconds here, so a dead host is noticed quickly.
let server: TestTemporal;
let redis: TestRedis;
let client: Client;
let dir: string;
const workers = new Map<string, WorkerProcess>();

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mlx-jobs-fleet-'));
  [server, redis] = await Promise.all([startTestTemporal(), redisForTest()]);
  client = await connectClient(loadClientConfig(server.env));
  // Each worker bundles the workflows at start (seconds): start them together.
  await Promise.all([startWorker('host-a'), startWorker('host-b')]);
});
after(async () => {
  for (const worker of workers.values()) {
    if (worker.child.exitCode === null) worker.child.kill('SIGTERM');
    await worker.exited;
  }
  // Whatever a failed test left behind.
  for (const pid of processesMatching(dir)) process.kill(pid, 'SIGKILL');
  await client?.connection.close();
  await redis?.stop();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function withPolicy(base: StepPolicies, changes: Partial<Record<keyof StepPolicies, object>>): StepPolicies {
  return Object.fromEntries(
    Object.entries(base).map(([step, policy]) => [
      step,
      { ...policy, ...changes[step as keyof StepPolicies] },
    ]),
  ) as StepPolicies;
}

const fast = fastPolicies();
const hostLostAfter = { schedule_to_start_ms: 3_000 };
/** Host steps give up on a silent host after 3 s; a busy profile is waited for without an attempt limit. */
const POLICIES = withPolicy(fast, {
  acquireLease: { retry: { ...fast.acquireLease.retry, maximum_attempts: 0 } },
  startProfile: hostLostAfter,
  cdpConnect: hostLostAfter,
  executeTask: { ...hostLostAfter, heartbeat_ms: 3_000 },
  stopProfile: hostLostAfter,
});

const QUEUE = 'fleet';
const TASKS = createTaskRegistry([...builtinTasks, ...testTasks]);

/** Two profiles at most per worker: with two workers, a fifth job must wait. */
async function startWorker(id: string): Promise<WorkerProcess> {
  const worker = await startWorkerProcess(
    {
      ...server.env,
      MLX_TASK_QUEUE: QUEUE,
      MLX_WORKER_ID: id,
      MLX_DATA_DIR: dir,
      MLX_REDIS_URL: redis.url,
      MLX_REDIS_PREFIX: redis.prefix,
      MLX_LEASE_TTL_MS: '10000',
      MLX_MAX_OPEN_PROFILES: '2',
      MLX_WEBHOOK_UNSIGNED: 'true',
    },
    undefined,
    TEST_WORKER,
  );
  workers.set(id, worker);
  return worker;
}

async function stopWorker(id: string): Promise<void> {
  const worker = workers.get(id);
  if (!worker || worker.child.exitCode !== null) return;
  worker.child.kill('SIGTERM');
  await worker.exited;
}

function submit(jobId: string, profileId: string, holdMs: number, policies = POLICIES) {
  return startJob(
    client,
    {
      job_id: jobId,
      profile_id: profileId,
      folder_id: 'folder-1',
      platform: 'shopee_my',
      client_id: 'client-7',
      task: { name: 'hold_browser', input: { ms: holdMs } },
    },
    { taskQueue: QUEUE, policy: { policies, bounds: DEFAULT_POLICY_BOUNDS }, tasks: TASKS },
  );
}

interface LogLine {
  time: string;
  msg: string;
  job_id?: string;
  profile_id?: string;
  token?: number;
  released?: boolean;
  /** On the embedded launcher's own lines: the browser's process. */
  pid?: number;
}

function logLines(...ids: string[]): LogLine[] {
  return ids.flatMap((id) =>
    (workers.get(id)?.lines() ?? [])
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine),
  );
}

/** The user-data dirs of the Chromium processes running under a worker's launcher. */
function openBrowsers(workerId: string): Set<string> {
  const launcherDir = join(dir, 'launcher', workerId);
  const dirs = processesWith(launcherDir).flatMap((p) =>
    p.args.filter((arg) => arg.startsWith(`--user-data-dir=${launcherDir}`)),
  );
  return new Set(dirs);
}

/**
 * The most browsers of these profiles a worker's launcher had open at once, from its own start and stop
 * lines in the order it wrote them: every start and stop is counted, none can fall between two samples.
 */
function mostOpenAtOnce(workerId: string, profilePrefix: string): number {
  let open = 0;
  let most = 0;
  for (const line of logLines(workerId)) {
    if (line.pid === undefined || !line.profile_id?.startsWith(profilePrefix)) continue;
    if (line.msg === 'profile started') most = Math.max(most, ++open);
    else if (line.msg === 'profile stopped' || line.msg === 'browser exited by itself') open -= 1;
  }
  return most;
}

test('with MLX_MAX_OPEN_PROFILES=2 on two workers, five jobs wait for slots: never more than two browsers per worker, all complete', async () => {
  // Two attempts per acquireLease round: waiting for a slot must not use up the job's attempts.
  const policies = withPolicy(POLICIES, { acquireLease: { retry: fast.acquireLease.retry } });
  const jobs = await Promise.all(
    [1, 2, 3, 4, 5].map((n) => submit(`cap-${n}`, `cap-profile-${n}`, 1_500, policies)),
  );
  const results = await Promise.all(jobs.map((job) => waitForJob(client, job.job_id)));
  const most = {
    'host-a': mostOpenAtOnce('host-a', 'cap-profile-'),
    'host-b': mostOpenAtOnce('host-b', 'cap-profile-'),
  };
  assert.deepEqual(
    results.map((r) => r.status),
    ['completed', 'completed', 'completed', 'completed', 'completed'],
  );
  assert.ok(
    most['host-a'] <= 2 && most['host-b'] <= 2,
    `at most two browsers per worker: ${JSON.stringify(most)}`,
  );
  assert.ok(
    Math.max(most['host-a'], most['host-b']) === 2,
    `a worker reached its cap: ${JSON.stringify(most)}`,
  );
});

test('two jobs for one profile on two workers never hold it at the same time', async () => {
  const jobs = await Promise.all(['same-1', 'same-2'].map((id) => submit(id, 'shared-profile', 1_000)));
  const results = await Promise.all(jobs.map((job) => waitForJob(client, job.job_id)));
  assert.ok(results.every((r) => r.status === 'completed'));

  // The timelines, from the workers' own log lines: the lease (first grant to release) and the browser
  // (started to stopped) of each job. Sorted by start, each must end before the next begins.
  const lines = logLines('host-a', 'host-b');
  const timeline = (from: (l: LogLine) => boolean, to: (l: LogLine) => boolean) =>
    jobs
      .map(({ job_id }) => {
        const mine = lines.filter((l) => l.job_id === job_id);
        const start = mine.find(from);
        const end = mine.find(to);
        assert.ok(start && end, `${job_id}: both ends of its interval are logged`);
        return { job_id, from: Date.parse(start.time), to: Date.parse(end.time), token: start.token };
      })
      .sort((a, b) => a.from - b.from);
  const leases = timeline(
    (l) => l.msg === 'lease acquired',
    (l) => l.msg === 'lease released' && l.released === true,
  );
  const browsers = timeline(
    (l) => l.msg === 'profile started',
    (l) => l.msg === 'profile stopped',
  );
  for (const [what, intervals] of [
    ['lease', leases],
    ['browser', browsers],
  ] as const) {
    for (let i = 1; i < intervals.length; i++) {
      const [held, next] = [intervals[i - 1]!, intervals[i]!];
      assert.ok(
        held.to <= next.from,
        `${what}: ${held.job_id} held the profile until ${held.to}, ${next.job_id} from ${next.from}`,
      );
    }
  }
  assert.ok(leases[1]!.token! > leases[0]!.token!, 'the later grant has the higher fencing token');
});

test('SIGKILL of the host during a task: the job completes on the other worker; a restart leaves no orphan browser', async () => {
  const job = await submit('failover-1', 'failover-profile', 4_000);
  let victim: string | undefined;
  await waitUntil(
    () => {
      victim = ['host-a', 'host-b'].find((id) =>
        logLines(id).some((l) => l.msg === 'task started' && l.job_id === job.job_id),
      );
      return victim !== undefined;
    },
    30_000,
    'the task to start',
  );
  const dead = victim!;
  const survivor = dead === 'host-a' ? 'host-b' : 'host-a';
  workers.get(dead)!.child.kill('SIGKILL');
  await workers.get(dead)!.exited;
  assert.equal(openBrowsers(dead).size, 1, "the dead worker's browser outlives it (an orphan)");

  const result = await waitForJob(client, job.job_id);
  assert.equal(result.status, 'completed');
  assert.equal(result.worker_id, survivor, 'the job moved to the other worker');
  const leases = result.steps.filter((s) => s.step === 'acquireLease' && s.status === 'completed');
  assert.equal(leases.length, 2, 'the lease was taken again, by the new host');
  assert.ok(result.steps.some((s) => s.step === 'executeTask' && s.status === 'failed'));
  const grants = logLines(survivor).filter((l) => l.msg === 'lease acquired' && l.job_id === job.job_id);
  const released = logLines(survivor).find((l) => l.msg === 'lease released' && l.job_id === job.job_id);
  assert.equal(released?.released, true, "the new host's lease (its token) is the one released");
  assert.equal(released?.token, grants.at(-1)?.token);

  // The dead worker comes back under the same id: its launcher finds the orphan and stops it.
  const restarted = await startWorker(dead);
  const sweptOrphan = () =>
    restarted
      .lines()
      .some(
        (l) =>
          l.includes('reaper stopped a browser no job of this worker opened') &&
          l.includes('failover-profile'),
      );
  await waitUntil(sweptOrphan, 20_000, "the dead worker's orphan browser to be stopped");
  assert.deepEqual(
    processesMatching(join(dir, 'launcher', dead)),
    [],
    'no process of the dead worker is left',
  );
  await Promise.all([stopWorker(dead), stopWorker(survivor)]);
});
