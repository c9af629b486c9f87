/**
 * How long `submit --batch` takes to start a batch of jobs on the Temporal dev server: the CLI as a user
 * runs it (process start included) and the library (submitBatch) at a few concurrencies, each a new
 * batch and then the same file again (every job exists already), each on a fresh dev server. Jobs are
 * only submitted: no worker runs them.
 *
 *   npm run bench:batch -- [lines=1000]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
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

/** Times a new batch and the same batch again on a fresh dev server (so each run starts from empty). */
async function measure(
  lines: number,
  name: string,
  submit: (env: Record<string, string>, prefix: string) => Promise<string>,
): Promise<[string, number, string][]> {
  const server = await startDevServer();
  const env = { TEMPORAL_ADDRESS: server.address, MLX_TASK_QUEUE: 'bench-batch' };
  try {
    const rows: [string, number, string][] = [];
    for (const pass of ['new jobs', 'same file again']) {
      const t0 = performance.now();
      const result = await submit(env, 'bench');
      rows.push([`${name}: ${lines} lines, ${pass}`, performance.now() - t0, result]);
    }
    return rows;
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const lines = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 1000);
  const dir = mkdtempSync(join(tmpdir(), 'mlx-bench-batch-'));
  const file = join(dir, 'jobs.jsonl');
  writeFileSync(file, jsonLines('bench', lines));
  const rows: [string, number, string][] = [];
  try {
    rows.push(
      ...(await measure(lines, 'CLI mlx-jobs submit --batch (process start included)', (env) => {
        const run = spawnSync(join(__dirname, '..', 'bin', 'mlx-jobs'), ['submit', '--batch', file], {
          env: { ...process.env, ...env },
          encoding: 'utf8',
        });
        if (run.status !== 0) throw new Error(`the CLI failed: ${run.stderr}`);
        return Promise.resolve(run.stdout.trim().split('\n').at(-1) ?? '');
      })),
    );
    for (const concurrency of [8, 16, 32]) {
      rows.push(
        ...(await measure(lines, `library submitBatch, concurrency ${concurrency}`, async (env) => {
          const config = loadClientConfig(env);
          const client = await connectClient(config);
          try {
            const batch = readRecords(jsonLines('bench', lines), 'jsonl');
            const result = await submitBatch(client, batch, {
              taskQueue: config.taskQueue,
              policy: config.policy,
              concurrency,
            });
            const created = result.jobs.filter((j) => j.created).length;
            return `${created} started, ${result.jobs.length - created} existed`;
          } finally {
            await client.connection.close();
          }
        })),
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `lines: ${lines}, machine: ${process.arch}, node ${process.version}, load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}\n`,
  );
  console.log('| measure | time | result |\n| --- | --- | --- |');
  for (const [name, ms, result] of rows) console.log(`| ${name} | ${(ms / 1000).toFixed(2)} s | ${result} |`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
