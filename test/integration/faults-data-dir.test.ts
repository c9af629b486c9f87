import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Client } from '@temporalio/client';
import { connectClient, startJob, waitForJob } from '../../src/client-library';
import { loadClientConfig } from '../../src/config';
import { startTestTemporal, type TestTemporal } from '../helpers/temporal';
import { DEFAULT_POLICY_BOUNDS } from '../../src/policies';
import { builtinTasks, createTaskRegistry } from '../../src/tasks';
import { fastPolicies } from '../helpers/policies';
import { testTasks } from '../helpers/test-tasks';
import { canMount } from '../helpers/root';
import { startWorkerProcess, TEST_WORKER } from '../helpers/spawn';

// Fault 7 of the reliability suite (docs/reliability.md): the worker's data directory cannot be
// written (not a directory, a full disk). The worker refuses to start with one line naming the setting;
// a job accepted meanwhile waits in Temporal and completes once a worker with a good directory runs.
let server: TestTemporal;
let client: Client;
let dir: string;
let env: NodeJS.ProcessEnv;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mlx-faults-data-dir-'));
  server = await startTestTemporal();
  client = await connectClient(loadClientConfig(server.env));
  env = {
    ...server.env,
    MLX_TASK_QUEUE: 'faults-data-dir',
    MLX_WORKER_ID: 'data-dir-worker',
    OTEL_SDK_DISABLED: 'true',
    MLX_WEBHOOK_UNSIGNED: 'true',
  };
});
after(async () => {
  await client?.connection.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the worker on `dataDir` until it exits by itself; what it printed and its exit code. */
function refusedWorker(dataDir: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', TEST_WORKER], {
      env: { ...process.env, ...env, MLX_DATA_DIR: dataDir, MLX_METRICS_ADDRESS: '127.0.0.1:0' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000); // it should have refused long before
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stderr });
    });
  });
}

function assertRefused(run: { code: number | null; stderr: string }, reason: RegExp): void {
  const lines = run.stderr.trim().split('\n');
  assert.equal(run.code, 2, run.stderr);
  assert.equal(lines.length, 1, `one line: ${run.stderr}`);
  assert.match(lines[0]!, /^mlx-worker: bad setting MLX_DATA_DIR: cannot write to \//);
  assert.match(lines[0]!, reason);
}

test('an unwritable or full MLX_DATA_DIR: the worker refuses to start with one line; the job accepted meanwhile completes on a good worker', async (t) => {
  const job = await startJob(
    client,
    {
      job_id: 'data-dir-accepted',
      profile_id: 'data-dir-profile',
      folder_id: 'folder-test',
      platform: 'shopee_my',
      client_id: 'client-42',
      task: { name: 'read_title', input: { title: 'kept' } },
    },
    {
      taskQueue: 'faults-data-dir',
      policy: { policies: fastPolicies(), bounds: DEFAULT_POLICY_BOUNDS },
      tasks: createTaskRegistry([...builtinTasks, ...testTasks]),
      deadLetterRetentionMs: 0,
    },
  );

  // Not a directory: a path below a regular file.
  writeFileSync(join(dir, 'a-file'), 'not a directory');
  assertRefused(await refusedWorker(join(dir, 'a-file', 'data')), /\(ENOTDIR\)$/);

  // A full disk: a 1 MB tmpfs filled to the last byte (mounting needs root; elsewhere this part is
  // skipped, and fails under CI=true).
  if (canMount(t, 'the full-disk case')) {
    const full = join(dir, 'full');
    mkdirSync(full);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', full]);
    try {
      assert.throws(() => writeFileSync(join(full, 'filler'), Buffer.alloc(2 * 1024 * 1024)), /ENOSPC/);
      assertRefused(await refusedWorker(full), /\(the disk is full\)$/);
    } finally {
      execFileSync('umount', [full]);
    }
  }

  // Nothing accepted was lost: a worker with a writable directory serves the job that waited.
  const worker = await startWorkerProcess(
    { ...env, MLX_DATA_DIR: join(dir, 'good') },
    undefined,
    TEST_WORKER,
  );
  try {
    const result = await waitForJob(client, job.job_id);
    assert.deepEqual(result.output, { title: 'kept' });
  } finally {
    worker.child.kill('SIGTERM');
    await worker.exited;
  }
});
