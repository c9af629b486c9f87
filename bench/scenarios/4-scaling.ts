import { DEFAULT_LINGER_MS } from '../../src/config';
import { waitUntil } from '../../test/helpers/processes';
import type { Sizes } from '../lib/flags';
import type { ScenarioResult } from '../lib/results';
import { measureLevel, type Level, type ScalingArm } from '../lib/scaling-levels';
import { armOrder } from '../lib/stats';
import { barChartSvg } from '../lib/svg';
import { mib, ms, rate, ratio, table } from '../lib/table';
import { startWorkerStack, type WorkerStack } from '../lib/worker-stack';
import { startPeerStack } from '../peer/stack';

const LEVELS = [1, 2, 4, 8];
const ARMS = ['production', 'warm', 'bullmq'] as const;
type ArmName = (typeof ARMS)[number];
const LABEL: Record<ArmName, string> = {
  production: 'production, a start and a stop per job',
  warm: 'production, warm hand-over (default linger)',
  bullmq: 'BullMQ peer',
};

/** The production worker as an arm; `settle` waits for browsers left lingering to stop. */
function productionArm(name: ArmName, stack: WorkerStack, lingerMs: number): ScalingArm {
  return {
    name,
    async job(id, profileId) {
      await stack.submit(id, profileId);
      const result = await stack.result(id);
      if (result.status !== 'completed') throw new Error(`${id} ended ${String(result.status)}`);
    },
    workerPid: stack.workerPid,
    serverPids: stack.serverPids,
    chromium: () => stack.chromium(),
    ...(lingerMs > 0 && {
      settle: () =>
        waitUntil(() => stack.chromium().count === 0, lingerMs + 60_000, `${name}'s browsers to stop`),
    }),
  };
}

/**
 * Scenario 4: 1, 2, 4 and 8 real-browser jobs at once on one worker process (8 profile slots): the
 * production worker (leases in Redis) starting and stopping the profile for every job as the peer
 * does, the same with its default linger (a lane's next job gets the open browser), and the BullMQ
 * peer, a worker process running the same seven steps (bench/peer). The three stacks stay up; at each
 * level the arms go in a different order, and after the warm arm's level its browsers stop first.
 */
export async function scaling(sizes: Sizes): Promise<ScenarioResult> {
  const base = { maxOpenProfiles: 8, serverConfig: sizes.serverConfig, redis: true };
  const stack = await startWorkerStack({ ...base, lingerMs: 0 });
  const levels: Level[] = [];
  try {
    const warm = await startWorkerStack({ ...base, lingerMs: DEFAULT_LINGER_MS });
    try {
      const peer = await startPeerStack(8);
      try {
        const arms: Record<ArmName, ScalingArm> = {
          production: productionArm('production', stack, 0),
          warm: productionArm('warm', warm, DEFAULT_LINGER_MS),
          bullmq: {
            name: 'bullmq',
            job: (id, profileId) => peer.run(id, profileId),
            workerPid: peer.workerPid,
            serverPids: { Redis: peer.redisPid },
            chromium: () => peer.chromium(),
          },
        };
        for (const [i, concurrency] of LEVELS.entries()) {
          for (const name of armOrder(i, ARMS)) {
            levels.push(await measureLevel(arms[name], concurrency, sizes.scalingRounds));
          }
        }
      } finally {
        await peer.close();
      }
    } finally {
      await warm.close();
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
          LABEL[l.arm as ArmName],
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
      const [p, w, b] = [at('production', c)!, at('warm', c)!, at('bullmq', c)!];
      const vsPeer = (a: Level) =>
        `${ratio(a.jobsPerMinute / b.jobsPerMinute)} × (${rate(a.jobsPerMinute)}, p50 ${ms(a.latencyMs.median)}, ` +
        `${mib(a.perConcurrentJob)} per job at once)`;
      return (
        `${c} at once, against the BullMQ peer's ${rate(b.jobsPerMinute)} jobs/min (p50 ${ms(b.latencyMs.median)}, ` +
        `${mib(b.perConcurrentJob)} per job at once): production ${vsPeer(p)}, production warm ${vsPeer(w)}`
      );
    }),
    `target: 8 at once with zero failures (failed: ${ARMS.map((a) => `${LABEL[a]} ${at(a, 8)?.failures ?? 'n/a'}`).join(', ')})`,
  ];
  const svg = barChartSvg({
    title: 'Real sync_orders jobs on one worker process: jobs per minute by jobs at once',
    yLabel: 'jobs/min',
    groups: LEVELS.map((c) => ({
      label: `${c} at once`,
      bars: ARMS.map((name) => ({
        series: { production: 'production', warm: 'production, warm', bullmq: 'BullMQ peer' }[name],
        value: at(name, c)!.jobsPerMinute,
      })),
    })),
  });
  return {
    id: '4-scaling',
    title: 'Concurrency scaling with real browsers: production (cold and warm) and the BullMQ peer',
    report,
    data: { levels },
    svg,
  };
}
