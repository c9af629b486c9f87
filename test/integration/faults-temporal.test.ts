import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { getJob, waitForJob } from '../../src/client-library';
import { freePort } from '../../src/dev/free-port';
import { startDevServer, type DevServer } from '../../src/dev/temporal-dev-server';
import { decodeTimeoutType } from '@temporalio/common';
import { startHarness, type Harness } from '../helpers/harness';
import { lastAttemptOf } from '../helpers/history';
import { processAlive, processesWith, waitUntil } from '../helpers/processes';
import { countedRuns } from '../helpers/test-tasks';

// Fault 1 of the reliability suite (docs/reliability.md): the Temporal server is SIGKILLed while tasks
// run and started again on the same database file and port. The worker and the client reconnect by
// themselves; every job in flight completes, within its retry policy, and nothing is left behind.
let dir: string;
let h: Harness;
let restarted: DevServer | undefined;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mlx-faults-temporal-'));
  h = await startHarness({ devServer: { port: await freePort(), dbFile: join(dir, 'temporal.db') } });
});
after(async () => {
  await h?.close();
  await restarted?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const browsersOf = (profileId: string) =>
  processesWith(`--user-data-dir=${join(h.dataDir, 'profiles', profileId)}`);

test('Temporal killed mid-task and restarted on its database: every job completes, the worker reconnects by itself', async () => {
  const jobs = ['temporal-kill-1', 'temporal-kill-2', 'temporal-kill-3'];
  for (const jobId of jobs) {
    await h.submit({ job_id: jobId, task: { name: 'counted_hold', input: { ms: 4_000 } } });
  }
  await waitUntil(() => jobs.every((id) => countedRuns.get(id) === 1), 60_000, 'every task to run');

  const { pid } = h.server;
  process.kill(-pid, 'SIGKILL'); // the dev server's whole process group, as a crash would
  await waitUntil(() => !processAlive(pid), 10_000, 'the server to die');
  const port = Number(h.server.address.split(':')[1]);
  restarted = await startDevServer({ port, dbFile: join(dir, 'temporal.db') });

  for (const jobId of jobs) {
    const result = await waitForJob(h.client, jobId);
    assert.equal(result.status, 'completed', jobId);
    // The task ran once, or again only as a new attempt the history records, because the attempt before
    // it missed its heartbeat timeout while the server was away: never a run the history does not know.
    const { attempt, lastFailure } = await lastAttemptOf(h.client, jobId, 'executeTask');
    assert.equal(countedRuns.get(jobId), attempt, `${jobId}: one run per attempt in the history`);
    if (attempt > 1)
      assert.equal(
        decodeTimeoutType(lastFailure?.timeoutFailureInfo?.timeoutType),
        'HEARTBEAT',
        `${jobId}: attempt ${attempt} ran because attempt ${attempt - 1} missed its heartbeat timeout`,
      );
    assert.ok(attempt <= h.policies.executeTask.retry.maximum_attempts, `${jobId}: within its policy`);
    assert.equal(browsersOf(`profile-${jobId}`).length, 0, `${jobId}: no browser left`);
  }
  assert.ok(h.worker.isPolling(), 'the same worker polls again, never restarted');
  // A job submitted after the restart is served by that same worker.
  await h.submit({ job_id: 'temporal-after-restart', task: { name: 'counted_hold', input: { ms: 0 } } });
  assert.equal((await waitForJob(h.client, 'temporal-after-restart')).worker_id, 'test-worker');
  assert.equal((await getJob(h.client, jobs[0]!)).status, 'COMPLETED', 'the history survived on disk');
  assert.deepEqual(await h.deps.leases.list(), [], 'no lease left');
  assert.deepEqual(h.deps.slots.holders(), [], 'no slot left');
  assert.equal(h.launcher.runningProfiles().length, 0, 'no browser left');
});
