/**
 * npm run bench:browser-trace: what recording a full Playwright trace (DOM snapshots and screencast)
 * costs a task attempt (MLX_TRACE_FAILED_ATTEMPTS=full, and `mlx-jobs task run --trace`). Paired runs
 * of sync_orders against the demo seller centre (sign-in, every page of the orders list, the CSV
 * export), each on a new local Chromium profile through runTask, with and without a trace, in
 * alternating order. Two numbers per run: the task itself (from its "task
 * started" to its "task finished" log line: what recording adds to every attempt) and the whole run
 * (browser start to browser stop, with the trace written: what a failed attempt adds on top).
 * Flags: --pairs N (default 8).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSellerCentre } from '../src/demo/seller-centre';
import { createLogger } from '../src/telemetry';
import { syncOrders } from '../src/tasks/sync-orders';
import { runTask } from '../src/testing';
import { aFirst, comparePaired, median } from './lib/stats';

const PASSWORD = 'bench password, not a secret';

async function main(): Promise<void> {
  const at = process.argv.indexOf('--pairs');
  const pairs = at > 0 ? Number(process.argv[at + 1]) : 8;
  const centre = await startSellerCentre({ accounts: { bench_shop: PASSWORD } });
  const dir = mkdtempSync(join(tmpdir(), 'mlx-bench-trace-'));
  const input = { seller_centre_url: centre.url, account: 'shop', from: '2024-01-01', to: '2024-01-30' };
  const secrets = {
    shop: {
      username: 'bench_shop',
      password: PASSWORD,
      origins: [centre.url],
      clients: ['local'],
      allow_http: true,
    },
  };
  /** One run: the task's own time and the whole run's, in ms; the trace's size when one was written. */
  const once = async (traced: boolean, n: number) => {
    const marks: Record<string, number> = {};
    const log = createLogger({
      write: (line) => {
        const { msg, time } = JSON.parse(line) as { msg: string; time: string };
        marks[msg] = Date.parse(time);
      },
    });
    const trace = traced ? join(dir, `run-${n}.zip`) : undefined;
    const started = performance.now();
    const result = await runTask(syncOrders, { input, secrets, log, trace });
    const whole = performance.now() - started;
    if (result.status !== 'completed') throw new Error(`the run failed: ${JSON.stringify(result)}`);
    return {
      task: marks['task finished']! - marks['task started']!,
      whole,
      bytes: trace ? statSync(trace).size : 0,
    };
  };
  try {
    await once(false, -1); // warm-up: Chromium's first start reads its files from disk
    const on: Awaited<ReturnType<typeof once>>[] = [];
    const off: typeof on = [];
    for (let i = 0; i < pairs; i++) {
      // ABBA: neither arm always goes first, so a drift in the machine's load falls on both.
      for (const traced of aFirst(i) ? [true, false] : [false, true]) {
        (traced ? on : off).push(await once(traced, i));
      }
    }
    for (const part of ['task', 'whole'] as const) {
      const c = comparePaired(
        on.map((r) => r[part]),
        off.map((r) => r[part]),
      );
      console.log(
        `${part}: traced minus untraced, median ${c.medianDifference.toFixed(0)} ms (95 % interval ${c.interval[0].toFixed(0)} to ${c.interval[1].toFixed(0)} ms), ratio ${c.medianRatio.toFixed(2)}, untraced median ${median(off.map((r) => r[part])).toFixed(0)} ms, ${c.pairs} pairs`,
      );
    }
    console.log(`trace size: median ${(median(on.map((r) => r.bytes)) / 1024).toFixed(0)} KiB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await centre.close();
  }
}

void main();
