import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startSellerCentre, type SellerCentre } from '../../src/demo/seller-centre';
import { loopbackCredential } from '../helpers/credentials';
import { startWebhookReceiver, type WebhookReceiver } from '../../src/demo/webhook-receiver';
import { startDevServer, type DevServer } from '../../src/dev/temporal-dev-server';
import { processesMatching, waitUntil } from '../helpers/processes';
import { runCliHere } from '../helpers/cli';
import { runCli, startWorkerProcess, TEST_WORKER } from '../helpers/spawn';

// The worker and the CLI as separate processes, configured only through the environment.
let server: DevServer;
let sellerCentre: SellerCentre;
/** The client the jobs here are for, and whom the seller centre's credential is for. */
const CLIENT = '7';
let receiver: WebhookReceiver;
let dir: string;
let env: NodeJS.ProcessEnv;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mlx-jobs-proc-'));
  // A server without the job search attributes, like a fresh production namespace: the worker adds them.
  server = await startDevServer({ searchAttributes: {} });
  // A slow marketplace: the task runs for seconds, long enough to stop the worker in the middle of it.
  sellerCentre = await startSellerCentre({ accounts: { 'seller-7': 's3cret-pw' }, latencyMs: 150 });
  receiver = await startWebhookReceiver({ secret: 'proc-test-webhook-secret' });
  env = {
    TEMPORAL_ADDRESS: server.address,
    MLX_TEMPORAL_UI_URL: server.uiUrl,
    MLX_TASK_QUEUE: 'proc-test',
    MLX_WORKER_ID: 'proc-worker',
    MLX_DATA_DIR: dir,
    MLX_TASK_SECRETS: JSON.stringify({
      'shop-7': loopbackCredential(sellerCentre.url, { username: 'seller-7', password: 's3cret-pw' }, [
        CLIENT,
      ]),
    }),
    MLX_WEBHOOK_SECRET: 'proc-test-webhook-secret',
    MLX_WEBHOOK_ALLOW_HOSTS: '127.0.0.1:*',
  };
});
after(async () => {
  await receiver?.close();
  await sellerCentre?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function jobFile(jobId: string, extra: Record<string, unknown> = {}): string {
  const file = join(dir, `${jobId}.json`);
  const spec = {
    job_id: jobId,
    profile_id: `profile-${jobId}`,
    folder_id: 'folder-1',
    platform: 'lazada_id',
    client_id: '7',
    task: {
      name: 'sync_orders',
      input: { seller_centre_url: sellerCentre.url, account: 'shop-7', from: '2024-01-20', to: '2024-01-30' },
    },
    callback_url: receiver.url,
    ...extra,
  };
  writeFileSync(file, JSON.stringify(spec));
  return file;
}

test('every command has --help', async () => {
  // The process itself once; what each command prints, in this process.
  const top = await runCli(['--help'], env);
  assert.equal(top.code, 0, top.stderr);
  assert.match(top.stdout, /Usage: mlx-jobs/);
  for (const args of [
    ['submit', '--help'],
    ['status', '--help'],
    ['cancel', '--help'],
    ['help', 'submit'],
  ]) {
    const run = await runCliHere(args, env);
    assert.equal(run.code, 0, args.join(' '));
    assert.match(run.stdout, /Usage: mlx-jobs/);
  }
  const unknown = await runCli(['frobnicate'], env);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"/);
});

test('a worker with a bad setting stops at start-up with one line naming it', () => {
  const worker = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(__dirname, '..', '..', 'src', 'worker.ts')],
    {
      env: { ...process.env, ...env, MLX_LEASE_TTL_MS: 'soon' },
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  assert.equal(worker.status, 2);
  assert.match(worker.stderr.trim(), /^mlx-worker: bad setting MLX_LEASE_TTL_MS: [^\n]+$/);
});

test('a metrics port in use, set on purpose, stops the worker with one line naming its setting', async () => {
  const taken = await holdPort(0);
  try {
    const address = `127.0.0.1:${(taken.address() as AddressInfo).port}`;
    for (const setting of ['MLX_METRICS_ADDRESS', 'MLX_SDK_METRICS_ADDRESS']) {
      const worker = spawnSync(
        process.execPath,
        ['--import', 'tsx', join(__dirname, '..', '..', 'src', 'worker.ts')],
        { env: { ...process.env, ...env, [setting]: address }, encoding: 'utf8', timeout: 60_000 },
      );
      assert.equal(worker.status, 2, worker.stderr);
      assert.equal(
        worker.stderr.trim().split('\n').at(-1),
        `mlx-worker: bad setting ${setting}: ${address} is in use (another worker on this host?): give each worker its own port`,
      );
      assert.doesNotMatch(worker.stderr, /^\s+at /m, 'no stack trace');
    }
  } finally {
    await new Promise((resolve) => taken.close(resolve));
  }
});

/** A listening socket on 127.0.0.1:`port` (rejects when another process holds it). */
async function holdPort(port: number): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return server;
}

test("each program checks only its own settings: a client's bad policy stops the CLI, a worker-only one does not", async () => {
  const badPolicy = await runCli(['status', 'nobody'], {
    ...env,
    MLX_POLICY_EXECUTE_TASK_MAXIMUM_ATTEMPTS: 'lots',
  });
  assert.equal(badPolicy.code, 2);
  assert.match(
    badPolicy.stderr.trim(),
    /^mlx-jobs: bad setting MLX_POLICY_EXECUTE_TASK_MAXIMUM_ATTEMPTS: .*"lots"\)$/,
  );
  const workerOnly = await runCli(['status', 'nobody'], {
    ...env,
    MLX_WEBHOOK_SECRET: 'short',
    MLX_LEASE_TTL_MS: 'soon',
  });
  assert.doesNotMatch(workerOnly.stderr, /bad setting/);
  assert.match(workerOnly.stderr, /no such job/);
});

test('submit refuses a bad spec with exit code 2, naming the fields', async () => {
  const run = await runCli(['submit', '-'], env, JSON.stringify({ job_id: 'x y', platform: 'Lazada' }));
  assert.equal(run.code, 2);
  assert.match(run.stderr, /job_id: .*profile_id: .*platform: /s);
  const notJson = await runCli(['submit', '-'], env, '{oops');
  assert.equal(notJson.code, 2);
  assert.match(notJson.stderr, /stdin is not valid JSON/);
});

test('submit --wait runs a job on a worker process and shows progress, result and the UI link', async () => {
  // A second worker on this host, as far as the default metrics ports go: it still starts, on free
  // ports it logs (the defaults 127.0.0.1:9464 and :9465 are held here unless another process holds them).
  const held = await Promise.all([9464, 9465].map((port) => holdPort(port).catch(() => undefined)));
  const worker = await startWorkerProcess({
    ...env,
    MLX_METRICS_ADDRESS: undefined,
    MLX_SDK_METRICS_ADDRESS: undefined,
  }).finally(() =>
    Promise.all(held.flatMap((h) => (h ? [new Promise<void>((resolve) => h.close(() => resolve()))] : []))),
  );
  try {
    const run = await runCli(['submit', jobFile('cli-1'), '--wait'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /job cli-1 submitted \(workflow mlx-job-cli-1, run /);
    assert.ok(
      run.stdout.includes(`Temporal UI: ${server.uiUrl}/namespaces/default/workflows/mlx-job-cli-1/`),
    );
    // Progress goes to stderr, the answer to stdout.
    assert.match(run.stderr, /✓ executeTask/);
    assert.doesNotMatch(run.stdout, /✓/);
    // A long output is summarised: its counts and first rows (status --json has all of it).
    assert.match(
      run.stdout,
      /^completed\n {2}output: count=\d+ export_count=\d+ pages=\d+ from="2024-01-20" to="2024-01-30"$/m,
    );
    assert.match(run.stdout, /^ {4}rows: \d+ item\(s\), the first 3:$/m);
    assert.match(run.stdout, /mlx-jobs status cli-1 --json shows all of it/);
    assert.ok(run.stdout.length < 4000, `the human output stays short (${run.stdout.length} characters)`);
    // No link template is set: the trace is named by its id and the command that draws it.
    assert.match(run.stdout, /trace: [0-9a-f]{32} \(draw it: mlx-jobs trace cli-1\)/);

    const status = await runCliHere(['status', 'cli-1'], env);
    assert.equal(status.code, 0);
    assert.match(status.stdout, /job cli-1: COMPLETED/);
    assert.match(status.stdout, /worker proc-worker/);
    const json = JSON.parse((await runCliHere(['status', 'cli-1', '--json'], env)).stdout) as {
      status: string;
      result: { output: { rows: unknown[]; count: number } };
    };
    assert.equal(json.status, 'COMPLETED');
    assert.equal(json.result.output.rows.length, json.result.output.count, '--json keeps every row');

    const again = await runCliHere(['submit', jobFile('cli-1')], env);
    assert.match(again.stdout, /already exists .*nothing new was started/);

    const startLine = JSON.parse(worker.lines().find((l) => l.includes('"worker started"'))!) as {
      traces: string;
      metrics: string;
      sdk_metrics: string;
    };
    assert.equal(startLine.traces, 'none (set OTEL_EXPORTER_OTLP_ENDPOINT to export spans)');
    assert.match(startLine.metrics, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    assert.doesNotMatch(startLine.metrics, /:9464\//, 'the default port was taken');
    assert.match(startLine.sdk_metrics, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    assert.doesNotMatch(startLine.sdk_metrics, /:9465\//, 'the default port was taken');
    assert.match(await (await fetch(startLine.sdk_metrics)).text(), /^temporal_\w+/m);
    const logs = worker.lines().join('\n');
    assert.match(logs, /MLX_METRICS_ADDRESS is not set and its default port 9464 is taken/);
    assert.match(logs, /MLX_SDK_METRICS_ADDRESS is not set and its default port 9465 is taken/);
    assert.match(logs, /"msg":"registered search attributes".*MlxDeadLetter/);
    assert.match(logs, /"msg":"task finished"/);
    const started = worker
      .lines()
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.msg === 'task started');
    assert.match(String(started?.trace_id), /^[0-9a-f]{32}$/, 'JSON log lines carry the trace id');
    assert.doesNotMatch(logs, /s3cret-pw/, 'the password never reaches the logs');
  } finally {
    worker.child.kill('SIGTERM');
    await worker.exited;
  }
});

// The drain is the worker process's own; it runs on the run's prebuilt workflow bundle (the test above
// proves the production start, bundling included).
test('SIGTERM in the middle of a task drains: no new job is taken, the running task finishes on this worker, then it stops with no browser left', async () => {
  const worker = await startWorkerProcess(env, undefined, TEST_WORKER);
  const submitted = await runCliHere(['submit', jobFile('sigterm-1')], env);
  assert.equal(submitted.code, 0, submitted.stderr);
  await waitUntil(
    () => worker.lines().some((line) => line.includes('"msg":"task started"')),
    30_000,
    'the task to start',
  );
  worker.child.kill('SIGTERM');
  await waitUntil(() => worker.lines().some((l) => l.includes('shutting down: draining first')), 10_000);
  // While draining, a new job is not taken here: it waits for a worker with room.
  const later = await runCliHere(['submit', jobFile('sigterm-2')], env);
  assert.equal(later.code, 0, later.stderr);

  const delivery = await receiver.waitFor('sigterm-1', 120_000).catch((err: unknown) => {
    console.error(worker.lines().join('\n'));
    throw err;
  });
  assert.equal((delivery.body as { status: string }).status, 'completed');
  assert.equal(await worker.exited, 0, 'a clean exit after the hosted job finished');
  assert.deepEqual(processesMatching(join(dir, 'launcher')), [], 'no Chromium of this worker is left');
  const status = await runCliHere(['status', 'sigterm-1', '--json'], env);
  const done = JSON.parse(status.stdout) as { status: string; result: { worker_id: string } };
  assert.deepEqual([done.status, done.result.worker_id], ['COMPLETED', 'proc-worker']);
  assert.doesNotMatch(status.stdout, /"attempt":2/, 'the task was not run again elsewhere');
  const waiting = JSON.parse((await runCliHere(['status', 'sigterm-2', '--json'], env)).stdout) as {
    status: string;
    progress?: { worker_id?: string };
  };
  assert.equal(waiting.status, 'RUNNING');
  assert.equal(
    waiting.progress?.worker_id,
    undefined,
    'the second job was not leased by the draining worker',
  );

  // A worker with room (the same one, restarted) takes it.
  const restarted = await startWorkerProcess(env, undefined, TEST_WORKER);
  try {
    const second = await receiver.waitFor('sigterm-2', 120_000);
    assert.equal((second.body as { status: string }).status, 'completed');
  } finally {
    restarted.child.kill('SIGTERM');
    await restarted.exited;
  }
  assert.deepEqual(processesMatching(join(dir, 'launcher')), []);
});
