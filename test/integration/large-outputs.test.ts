import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Redis from 'ioredis';
import type { Client } from '@temporalio/client';
import { waitForJob } from '../../src/client-library';
import { workflowIdFor } from '../../src/contract';
import { startWebhookReceiver, type WebhookReceiver } from '../../src/demo/webhook-receiver';
import { startTestTemporal, type TestTemporal } from '../helpers/temporal';
import { createEncryptionCodec, createKeyRing } from '../../src/payload-codec';
import { startHarness, type Harness } from '../helpers/harness';
import { decodedHistoryText } from '../helpers/history';
import { TEST_PAYLOAD_KEY } from '../helpers/payload';
import { processesMatching } from '../helpers/processes';
import { redisForTest, type TestRedis } from '../helpers/redis';
import { runCliHere } from '../helpers/cli';
import { runCli, startWorkerProcess, TEST_WORKER, type WorkerProcess } from '../helpers/spawn';

// sync_orders may return every row of 93 days: well above Temporal's 2 MB payload limit. Outputs this
// large go to the claim-check store; history keeps encrypted references.
const ROWS = 2_500; // about 2.5 MB of output
const KEYS = `${TEST_PAYLOAD_KEY.id}=${TEST_PAYLOAD_KEY.key.toString('base64')}`;

interface BigOutput {
  rows: { id: string; note: string }[];
}

/** The run's history as the server stores it: no data converter, no claim-check retrieval. */
async function rawHistory(client: Client, workflowId: string): Promise<string> {
  const response = await client.connection.workflowService.getWorkflowExecutionHistory({
    namespace: client.options.namespace,
    execution: { workflowId },
  });
  return JSON.stringify(response.history);
}

void describe('an output larger than 2 MB on one worker (filesystem store)', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h?.close());

  void it('completes, reaches the webhook whole, shows in status --json, and stays out of history', async () => {
    const job = await h.submit({ job_id: 'big-1', task: { name: 'big_output', input: { rows: ROWS } } });
    const result = await waitForJob(h.client, job.job_id);
    assert.equal((result.output as BigOutput).rows.length, ROWS);
    assert.equal((result.output as BigOutput).rows.at(-1)?.id, `order-${ROWS - 1}`);

    const delivery = await h.receiver.waitFor(job.job_id);
    assert.equal((delivery.body as { output: BigOutput }).output.rows.length, ROWS);

    const history = await rawHistory(h.client, job.workflow_id);
    assert.ok(history.length < 512 * 1024, `history holds references, not rows (${history.length} bytes)`);
    // Decrypted (the claim-check references left as they are), as an operator with the key reads it:
    // the input shows, the rows do not.
    const codec = createEncryptionCodec(createKeyRing([TEST_PAYLOAD_KEY]));
    const { raw, decoded } = await decodedHistoryText(h.client, job.job_id, codec);
    assert.ok(
      decoded.includes('big_output') && !raw.includes('big_output'),
      'the decoded history is searched',
    );
    assert.doesNotMatch(decoded, /order-2499|xxxxxxxxxx/);
    assert.ok(readdirSync(join(h.dataDir, 'blobs', 'objects')).length >= 1, 'blobs were written');

    // The CLI, another process, reads the same store with the same key.
    const status = await runCliHere(['status', 'big-1', '--json'], {
      ...h.server.env,
      MLX_PAYLOAD_KEYS: KEYS,
      MLX_CLAIM_CHECK_DIR: join(h.dataDir, 'blobs'),
    });
    assert.equal(status.code, 0, status.stderr);
    const shown = JSON.parse(status.stdout) as { status: string; result: { output: BigOutput } };
    assert.equal(shown.status, 'COMPLETED');
    assert.equal(shown.result.output.rows.length, ROWS);

    // Blobs deleted by hand: the answer names the missing blob and the store, in one line.
    const objects = join(h.dataDir, 'blobs', 'objects');
    for (const name of readdirSync(objects)) rmSync(join(objects, name));
    const gone = await runCliHere(['status', 'big-1', '--json'], {
      ...h.server.env,
      MLX_PAYLOAD_KEYS: KEYS,
      MLX_CLAIM_CHECK_DIR: join(h.dataDir, 'blobs'),
    });
    assert.equal(gone.code, 1, gone.stdout);
    assert.match(
      gone.stderr.trim(),
      /^mlx-jobs: claim-check blob [0-9a-f]{64} is not in the claim-check store \(fs, .*blobs\): removed after its retention, or written to another store$/,
    );
  });
});

void describe('outputs larger than 2 MB on two workers sharing Redis', () => {
  let server: TestTemporal;
  let redis: TestRedis;
  let receiver: WebhookReceiver;
  let dir: string;
  const workers: WorkerProcess[] = [];
  let env: NodeJS.ProcessEnv;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mlx-jobs-big-'));
    [server, redis, receiver] = await Promise.all([
      startTestTemporal(),
      redisForTest(),
      startWebhookReceiver({ secret: 'big-fleet-webhook-secret' }),
    ]);
    env = {
      ...server.env,
      MLX_TASK_QUEUE: 'big-fleet',
      MLX_REDIS_URL: redis.url,
      MLX_REDIS_PREFIX: redis.prefix,
      MLX_PAYLOAD_KEYS: KEYS,
      // One profile per worker: two jobs at once run on both.
      MLX_MAX_OPEN_PROFILES: '1',
      MLX_WEBHOOK_SECRET: 'big-fleet-webhook-secret',
      MLX_WEBHOOK_ALLOW_HOSTS: '127.0.0.1:*',
    };
    workers.push(
      ...(await Promise.all(
        ['big-a', 'big-b'].map((id) =>
          startWorkerProcess(
            { ...env, MLX_WORKER_ID: id, MLX_DATA_DIR: join(dir, id) },
            undefined,
            TEST_WORKER,
          ),
        ),
      )),
    );
  });
  after(async () => {
    for (const worker of workers) {
      if (worker.child.exitCode === null) worker.child.kill('SIGTERM');
      await worker.exited;
    }
    for (const pid of processesMatching(dir)) process.kill(pid, 'SIGKILL');
    await receiver?.close();
    await redis?.stop();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  void it('both workers store and read each other’s blobs; the webhook and status --json carry every row', async () => {
    const specs = ['big-r1', 'big-r2'].map((jobId) => {
      const file = join(dir, `${jobId}.json`);
      writeFileSync(
        file,
        JSON.stringify({
          job_id: jobId,
          profile_id: `profile-${jobId}`,
          folder_id: 'folder-1',
          platform: 'shopee_my',
          client_id: '42',
          task: { name: 'big_output', input: { rows: ROWS } },
          callback_url: receiver.url,
        }),
      );
      return { jobId, file };
    });
    // The CLI keeps its own fs dir empty: every blob it reads comes from Redis.
    const cliEnv = { ...env, MLX_DATA_DIR: join(dir, 'cli') };
    const runs = await Promise.all(
      specs.map(({ file }) => runCli(['submit', file, '--wait', '--json'], cliEnv)),
    );
    const ran = new Set<string>();
    for (const [index, run] of runs.entries()) {
      assert.equal(run.code, 0, run.stderr);
      const outcome = JSON.parse(run.stdout) as { result: { output: BigOutput; worker_id: string } };
      assert.equal(outcome.result.output.rows.length, ROWS);
      ran.add(outcome.result.worker_id);
      const delivery = await receiver.waitFor(specs[index]!.jobId);
      assert.equal((delivery.body as { output: BigOutput }).output.rows.length, ROWS);
      const status = await runCliHere(['status', specs[index]!.jobId, '--json'], cliEnv);
      assert.equal(
        (JSON.parse(status.stdout) as { result: { output: BigOutput } }).result.output.rows.length,
        ROWS,
      );
    }
    assert.deepEqual([...ran].sort(), ['big-a', 'big-b'], 'one job ran on each worker');

    const client = new Redis(redis.url);
    try {
      const blobs = await client.keys(`${redis.prefix}:blob:*`);
      assert.ok(blobs.length >= 2, `blobs in Redis: ${blobs.length}`);
      const owners = await client.smembers(`${redis.prefix}:blob-owners`);
      assert.deepEqual(owners.sort(), specs.map((s) => workflowIdFor(s.jobId)).sort());
    } finally {
      await client.quit();
    }
  });
});
