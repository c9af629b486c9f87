/**
 * How long `submit --batch` takes to start a batch of jobs on the Temporal dev server: through the
 * library (submitBatch) at a few concurrencies, the same file again (every job exists already), and the
 * CLI as a user runs it (process start included). Jobs are only submitted: no worker runs them.
 *
 *   npm run bench:batch -- [lines=1000]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectClient, readRecords, submitBatch } from '../src/client-library';
import { loadClientConfig } from '../src/config';
import { startDevServer } from '../src/dev/temporal-dev-server';

function jsonLines(prefix: string, lines: number): string {
  return Array.from({ length: lines }, (_, i) =>
    JSON.stringify({
      job_id: `${prefix}-${i}`,
      profile_id: `profile-${i}`,
      folder_id: 'folder-1',
      platform: 'shopee_my',
      client_id: String(i % 200),
      task: {
        name: 'sync_orders',
        input: {
          seller_centre_url: 'https://seller.example',
          account: `shop-${i}`,
          from: '2026-11-22',
          to: '2026-11-22',
        },
      },
      callback_url: 'https://hooks.example/mlx',
    }),
  ).join('\n');
}

async function main(): Promise<void> {
  const lines = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 1000);
  const dir = mkdtempSync(join(tmpdir(), 'mlx-bench-batch-'));
  const server = await startDevServer();
  const env = { TEMPORAL_ADDRESS: server.address, MLX_TASK_QUEUE: 'bench-batch' };
  const config = loadClientConfig(env);
  const client = await connectClient(config);
  const options = { taskQueue: config.taskQueue, policy: config.policy };
  const rows: [string, number, string][] = [];
  try {
    for (const concurrency of [8, 16, 32]) {
      const batch = readRecords(jsonLines(`lib-c${concurrency}`, lines), 'jsonl');
      let t0 = performance.now();
      const first = await submitBatch(client, batch, { ...options, concurrency });
      const ms = performance.now() - t0;
      const created = first.jobs.filter((j) => j.created).length;
      rows.push([`library, concurrency ${concurrency}: ${lines} new jobs`, ms, `${created} started`]);
      t0 = performance.now();
      const again = await submitBatch(client, batch, { ...options, concurrency });
      const existed = again.jobs.filter((j) => !j.created).length;
      rows.push([
        `library, concurrency ${concurrency}: same file again`,
        performance.now() - t0,
        `${existed} existed`,
      ]);
    }
    const file = join(dir, 'jobs.jsonl');
    writeFileSync(file, jsonLines('cli', lines));
    const t0 = performance.now();
    const run = spawnSync(join(__dirname, '..', 'bin', 'mlx-jobs'), ['submit', '--batch', file], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    if (run.status !== 0) throw new Error(`the CLI failed: ${run.stderr}`);
    rows.push([
      'CLI: mlx-jobs submit --batch (process start included)',
      performance.now() - t0,
      run.stdout.trim().split('\n').at(-1) ?? '',
    ]);
  } finally {
    await client.connection.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`lines: ${lines}, machine: ${process.arch}, node ${process.version}\n`);
  console.log('| measure | time | result |\n| --- | --- | --- |');
  for (const [name, ms, result] of rows) console.log(`| ${name} | ${(ms / 1000).toFixed(2)} s | ${result} |`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
