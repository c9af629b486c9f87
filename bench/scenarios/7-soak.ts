import type { Sizes } from '../lib/flags';
import type { ScenarioResult } from '../lib/results';
import { summarize } from '../lib/stats';
import { lineChartSvg } from '../lib/svg';
import { mib, ms, table } from '../lib/table';
import { startWorkerStack, type WorkerStats } from '../lib/worker-stack';
import { waitUntil } from '../../test/helpers/processes';

/** Profiles the soak rotates over, as a worker serving a handful of seller accounts does. */
const PROFILES = 5;

const totalHandles = (s: WorkerStats) => Object.values(s.handles).reduce((a, b) => a + b, 0);

/** Scenario 7: many sequential real jobs on one worker: memory growth, open handles, browsers left. */
export async function soak(sizes: Sizes): Promise<ScenarioResult> {
  const stack = await startWorkerStack({ maxOpenProfiles: 8, serverConfig: sizes.serverConfig });
  const jobs = sizes.soakJobs;
  const warmUp = Math.min(jobs, Math.max(5, Math.round(jobs / 10)));
  const every = Math.max(1, Math.round(jobs / 25));
  const samples: { job: number; rss: number; heapUsed: number; handles: number }[] = [];
  const latencies: number[] = [];
  let failures = 0;
  let baseline: WorkerStats | undefined;
  let last: WorkerStats | undefined;
  let leftBrowsers = { count: 0, rssBytes: 0, pssBytes: 0 };
  let leftAfterWait = leftBrowsers;
  try {
    for (let i = 1; i <= jobs; i++) {
      const id = `soak-${i}`;
      const t0 = performance.now();
      await stack.submit(id, `soak-p${i % PROFILES}`);
      const result = await stack.result(id);
      if (result.status === 'completed') latencies.push(performance.now() - t0);
      else failures += 1;
      if (i === warmUp || i % every === 0 || i === jobs) {
        last = await stack.stats();
        if (i === warmUp) baseline = last;
        samples.push({ job: i, rss: last.rss, heapUsed: last.heap_used, handles: totalHandles(last) });
      }
    }
    // Every job's result arrives after its stopProfile: nothing should be left, now or a moment later.
    leftBrowsers = stack.chromium();
    await waitUntil(() => stack.chromium().count === 0, 5_000).catch(() => undefined);
    leftAfterWait = stack.chromium();
  } finally {
    await stack.close();
  }
  // Both are set: the warm-up sample is taken at job `warmUp` ≤ `jobs`, the last at job `jobs`.
  const startStats = baseline!;
  const end = last!;
  const growth = end.rss / startStats.rss - 1;
  const kinds = [...new Set([...Object.keys(startStats.handles), ...Object.keys(end.handles)])].sort();
  const l = summarize(latencies);
  const report = [
    ...table(
      ['measure', `after ${warmUp} jobs (warm)`, `after ${jobs} jobs`, 'change'],
      [
        [
          'worker RSS (after a full GC)',
          mib(startStats.rss),
          mib(end.rss),
          `${(growth * 100).toFixed(1)} % (target < 10 %)`,
        ],
        [
          'worker heap used',
          mib(startStats.heap_used),
          mib(end.heap_used),
          `${((end.heap_used / startStats.heap_used - 1) * 100).toFixed(1)} %`,
        ],
        ...kinds.map((k) => [
          `active handles: ${k}`,
          startStats.handles[k] ?? 0,
          end.handles[k] ?? 0,
          (end.handles[k] ?? 0) - (startStats.handles[k] ?? 0),
        ]),
      ],
    ),
    '',
    `${jobs} sequential jobs over ${PROFILES} profiles, ${failures} failed; latency p50 ${ms(l.median)}, p99 ${ms(l.p99)}`,
    `Chromium processes left when the last job ended: ${leftBrowsers.count}; 5 s later: ${leftAfterWait.count} (target 0)`,
  ];
  const svg = lineChartSvg({
    title: `Soak: worker memory over ${jobs} sequential real jobs`,
    xLabel: 'jobs done',
    yLabel: 'MiB',
    series: [
      { name: 'worker RSS', points: samples.map((s) => [s.job, s.rss / 2 ** 20]) },
      { name: 'heap used', points: samples.map((s) => [s.job, s.heapUsed / 2 ** 20]) },
    ],
  });
  return {
    id: '7-soak',
    title: 'Soak: sequential real jobs',
    report,
    data: {
      jobs,
      warmUp,
      failures,
      latencyMs: l,
      rssGrowth: growth,
      start: startStats,
      end,
      samples,
      leftBrowsers,
      leftAfterWait,
    },
    svg,
  };
}
