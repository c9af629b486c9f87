import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Resource } from '@opentelemetry/resources';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NativeConnection } from '@temporalio/worker';
import { hostTaskQueue } from '../../src/contract';
import { createLeaseRecords, createOpenProfiles, createProfileSlots } from '../../src/host';
import { startLocalLauncher, type LocalLauncher } from '../../src/launcher';
import { createLauncherClient } from '../../src/mlx';
import { silentLogger } from '../../src/telemetry';
import { createMlxWorker, type MlxWorker } from '../../src/worker-process/mlx-worker';
import { startHarness, workflowBundle, type Harness } from '../helpers/harness';
import { waitUntil } from '../helpers/processes';

// A worker asked to stop before its pollers run (a SIGTERM during start-up) must end run() and poll
// nothing: a Temporal worker cannot be stopped before it runs, so such a request used to be lost.
let h: Harness;
let connection: NativeConnection;
let launcher: LocalLauncher;
let dir: string;

before(async () => {
  h = await startHarness();
  connection = await NativeConnection.connect({ address: h.server.address });
  dir = mkdtempSync(join(tmpdir(), 'mlx-worker-shutdown-'));
  // Its own launcher: the harness worker's reaper would stop the browser these tests leave for the sweep.
  launcher = await startLocalLauncher({ dataDir: dir, faults: true, log: silentLogger });
});
after(async () => {
  await launcher?.close();
  await connection?.close();
  await h?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A second worker on `queue`, with its own launcher, not running yet. */
async function workerOn(queue: string): Promise<MlxWorker> {
  const workerId = `${queue}-worker`;
  return createMlxWorker({
    connection,
    namespace: h.server.namespace,
    taskQueue: queue,
    deps: {
      ...h.deps,
      workerId,
      hostTaskQueue: hostTaskQueue(queue, workerId),
      launcher: createLauncherClient({ baseUrl: launcher.url }),
      profiles: createOpenProfiles(),
      slots: createProfileSlots(2),
      leaseRecords: createLeaseRecords(),
    },
    workflowBundle: await workflowBundle(),
    shutdownGraceTimeMs: 2_000,
    drainGraceMs: 2_000,
    // Only the sweep run() makes before it polls: no periodic one in these tests.
    reaperIntervalMs: 600_000,
    telemetry: { resource: new Resource({}), spanProcessor: new NoopSpanProcessor() },
  });
}

/** A workflow waiting on `queue` for its first workflow task, which a polling worker would take. */
async function waitingRun(queue: string) {
  return h.client.workflow.start('runJob', { taskQueue: queue, workflowId: `${queue}-run`, args: [] });
}

/** run()'s end, or 'polled' as soon as the worker polls its queues. */
async function endOrPoll(worker: MlxWorker, running: Promise<void>): Promise<'ended' | 'polled'> {
  return Promise.race([
    running.then(() => 'ended' as const),
    waitUntil(() => worker.isPolling(), 60_000, 'the worker to poll').then(() => 'polled' as const),
  ]);
}

async function workflowTasksTaken(handle: Awaited<ReturnType<typeof waitingRun>>): Promise<number> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).filter((e) => e.workflowTaskStartedEventAttributes).length;
}

for (const how of ['shutdown', 'shutdownNow'] as const) {
  test(`${how}() before run(): run() ends without polling and takes no task`, async () => {
    const queue = `stop-before-run-${how}`;
    const handle = await waitingRun(queue);
    const worker = await workerOn(queue);
    worker[how]();
    const running = worker.run();
    assert.equal(await endOrPoll(worker, running), 'ended');
    await running;
    assert.equal(worker.isPolling(), false);
    assert.equal(await workflowTasksTaken(handle), 0, 'no workflow task was started');
    await handle.terminate('test over');
  });
}

test('shutdown() while run() sweeps before polling: the sweep finishes, then run() ends without polling', async () => {
  const queue = 'stop-during-sweep';
  const handle = await waitingRun(queue);
  // A browser no job of the worker opened (left by an earlier run): the sweep stops it, slowly.
  const orphan = 'orphan-profile';
  await createLauncherClient({ baseUrl: launcher.url }).startProfile({
    folderId: 'folder-test',
    profileId: orphan,
    headless: true,
  });
  launcher.faults!.set(orphan, { error: 'DELAY', on: 'stop', delay_ms: 3_000 });
  const worker = await workerOn(queue);
  const running = worker.run();
  // The fault is used up once the launcher holds the sweep's stop: the worker is inside its sweep.
  await waitUntil(() => !(orphan in launcher.faults!.list()), 20_000, 'the sweep to stop the orphan');
  worker.shutdown();
  assert.equal(await endOrPoll(worker, running), 'ended');
  await running;
  assert.deepEqual(
    launcher.runningProfiles().map((p) => p.profileId),
    [],
    'the sweep still stopped the orphan',
  );
  assert.equal(await workflowTasksTaken(handle), 0, 'no workflow task was started');
  await handle.terminate('test over');
});
