import type { Sizes } from '../lib/flags';
import { closedLoop } from '../lib/closed-loop';
import { peakSampler } from '../lib/proc';
import type { ScenarioResult } from '../lib/results';
import { summarize, type Summary } from '../lib/stats';
import { barChartSvg } from '../lib/svg';
import { mib, ms, rate, table } from '../lib/table';
import { startWorkerStack } from '../lib/worker-stack';

const LEVELS = [1, 2, 4, 8];

interface Level {
  concurrency: number;
  jobs: number;
  failures: number;
  errors: string[];
  jobsPerMinute: number;
  latencyMs: Summary;
  peakWorkerRss: number;
  peakChromiumRss: number;
  peakChromiumPss: number;
  peakChromiumProcesses: number;
}

/** Scenario 4: 1, 2, 4 and 8 real-browser jobs at once on one worker process (8 profile slots). */
export async function scaling(sizes: Sizes): Promise<ScenarioResult> {
  const stack = await startWorkerStack({ maxOpenProfiles: 8, serverConfig: sizes.serverConfig });
  const levels: Level[] = [];
  let sequence = 0;
  try {
    for (const concurrency of LEVELS) {
      // One profile per lane; a lane's jobs follow each other on it. A first round warms the profiles.
      const job = async (_i: number, lane: number) => {
        const id = `scale-${concurrency}-${sequence++}`;
        await stack.submit(id, `scale-c${concurrency}-p${lane}`);
        const result = await stack.result(id);
        if (result.status !== 'completed') throw new Error(`${id} ended ${String(result.status)}`);
      };
      await closedLoop(concurrency, concurrency, job);
      const worker = peakSampler(() => stack.workerRss());
      // One walk of /proc a second serves the three Chromium readings (a walk costs CPU the jobs need).
      let seen = stack.chromium();
      const walk = setInterval(() => (seen = stack.chromium()), 1000);
      const browsers = peakSampler(() => seen.rssBytes);
      const proportional = peakSampler(() => seen.pssBytes);
      const processes = peakSampler(() => seen.count);
      const loop = await closedLoop(concurrency * sizes.scalingRounds, concurrency, job).finally(() =>
        clearInterval(walk),
      );
      levels.push({
        concurrency,
        jobs: loop.latencies.length,
        failures: loop.failures,
        errors: loop.errors,
        jobsPerMinute: loop.rate * 60,
        latencyMs: summarize(loop.latencies),
        peakWorkerRss: worker.stop(),
        peakChromiumRss: browsers.stop(),
        peakChromiumPss: proportional.stop(),
        peakChromiumProcesses: processes.stop(),
      });
    }
  } finally {
    await stack.close();
  }
  const report = [
    ...table(
      [
        'at once',
        'jobs',
        'jobs/min',
        'p50 / p99',
        'worker RSS (peak)',
        'Chromium RSS, sum (peak)',
        'Chromium PSS, sum (peak)',
        'Chromium processes (peak)',
        'failures',
      ],
      levels.map((l) => [
        l.concurrency,
        l.jobs,
        rate(l.jobsPerMinute),
        `${ms(l.latencyMs.median)} / ${ms(l.latencyMs.p99)}`,
        mib(l.peakWorkerRss),
        mib(l.peakChromiumRss),
        mib(l.peakChromiumPss),
        l.peakChromiumProcesses,
        l.failures ? `${l.failures}: ${l.errors.join('; ')}` : 0,
      ]),
    ),
    '',
    `target: 8 at once with zero failures (${levels.find((l) => l.concurrency === 8)?.failures ?? 'n/a'} failed)`,
  ];
  const svg = barChartSvg({
    title: 'Real sync_orders jobs on one worker: jobs per minute by jobs at once',
    yLabel: 'jobs/min',
    groups: levels.map((l) => ({
      label: `${l.concurrency} at once (${mib(l.peakChromiumPss)} PSS)`,
      bars: [{ series: 'jobs/min', value: l.jobsPerMinute }],
    })),
  });
  return { id: '4-scaling', title: 'Concurrency scaling with real browsers', report, data: { levels }, svg };
}
