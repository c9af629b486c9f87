import type { Sizes } from '../lib/flags';
import type { ScenarioResult } from '../lib/results';
import { measureLevel, type Level, type ScalingArm } from '../lib/scaling-levels';
import { aFirst } from '../lib/stats';
import { barChartSvg } from '../lib/svg';
import { mib, ms, rate, ratio, table } from '../lib/table';
import { startWorkerStack } from '../lib/worker-stack';
import { startPeerStack } from '../peer/stack';

const LEVELS = [1, 2, 4, 8];
const ARMS = ['production', 'bullmq'] as const;

/**
 * Scenario 4: 1, 2, 4 and 8 real-browser jobs at once on one worker process (8 profile slots): the
 * production worker (leases in Redis), and beside it the BullMQ peer, a worker process running the
 * same seven steps (bench/peer). Both stacks stay up; at each level the two arms take turns going first.
 */
export async function scaling(sizes: Sizes): Promise<ScenarioResult> {
  const stack = await startWorkerStack({ maxOpenProfiles: 8, serverConfig: sizes.serverConfig, redis: true });
  const levels: Level[] = [];
  try {
    const peer = await startPeerStack(8);
    try {
      const arms: Record<(typeof ARMS)[number], ScalingArm> = {
        production: {
          name: 'production',
          async job(id, profileId) {
            await stack.submit(id, profileId);
            const result = await stack.result(id);
            if (result.status !== 'completed') throw new Error(`${id} ended ${String(result.status)}`);
          },
          workerPid: stack.workerPid,
          serverPids: stack.serverPids,
          chromium: () => stack.chromium(),
        },
        bullmq: {
          name: 'bullmq',
          job: (id, profileId) => peer.run(id, profileId),
          workerPid: peer.workerPid,
          serverPids: { Redis: peer.redisPid },
          chromium: () => peer.chromium(),
        },
      };
      for (const [i, concurrency] of LEVELS.entries()) {
        const order = aFirst(i) ? ARMS : [...ARMS].reverse();
        for (const name of order)
          levels.push(await measureLevel(arms[name], concurrency, sizes.scalingRounds));
      }
    } finally {
      await peer.close();
    }
  } finally {
    await stack.close();
  }
  const at = (arm: string, concurrency: number) =>
    levels.find((l) => l.arm === arm && l.concurrency === concurrency);
  const servers = (l: Level) =>
    Object.entries(l.peakServerRss)
      .map(([name, bytes]) => `${name} ${mib(bytes)}`)
      .join(', ');
  const report = [
    ...table(
      [
        'at once',
        'arm',
        'jobs',
        'jobs/min',
        'p50 / p99',
        'worker RSS (peak)',
        'servers RSS (peak)',
        'Chromium RSS, sum (peak)',
        'Chromium PSS, sum (peak)',
        'Chromium processes (peak)',
        'worker + servers + Chromium PSS, per job at once',
        'failures',
      ],
      LEVELS.flatMap((c) =>
        ARMS.map((name) => at(name, c)!).map((l) => [
          l.concurrency,
          l.arm === 'bullmq' ? 'BullMQ peer' : 'production',
          l.jobs,
          rate(l.jobsPerMinute),
          `${ms(l.latencyMs.median)} / ${ms(l.latencyMs.p99)}`,
          mib(l.peakWorkerRss),
          servers(l),
          mib(l.peakChromiumRss),
          mib(l.peakChromiumPss),
          l.peakChromiumProcesses,
          mib(l.perConcurrentJob),
          l.failures ? `${l.failures}: ${l.errors.join('; ')}` : 0,
        ]),
      ),
    ),
    '',
    ...LEVELS.map((c) => {
      const [p, b] = [at('production', c)!, at('bullmq', c)!];
      return (
        `${c} at once: production does ${ratio(p.jobsPerMinute / b.jobsPerMinute)} × the BullMQ peer's jobs/min ` +
        `(${rate(p.jobsPerMinute)} vs ${rate(b.jobsPerMinute)}), p50 ${ms(p.latencyMs.median - b.latencyMs.median)} ` +
        `apart; memory per job at once ${mib(p.perConcurrentJob)} vs ${mib(b.perConcurrentJob)}`
      );
    }),
    `target: 8 at once with zero failures (production: ${at('production', 8)?.failures ?? 'n/a'} failed, ` +
      `BullMQ peer: ${at('bullmq', 8)?.failures ?? 'n/a'})`,
  ];
  const svg = barChartSvg({
    title: 'Real sync_orders jobs on one worker process: jobs per minute by jobs at once',
    yLabel: 'jobs/min',
    groups: LEVELS.map((c) => ({
      label: `${c} at once`,
      bars: ARMS.map((name) => ({
        series: name === 'bullmq' ? 'BullMQ peer' : 'production',
        value: at(name, c)!.jobsPerMinute,
      })),
    })),
  });
  return {
    id: '4-scaling',
    title: 'Concurrency scaling with real browsers: production and the BullMQ peer',
    report,
    data: { levels },
    svg,
  };
}
