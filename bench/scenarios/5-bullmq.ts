import type { Sizes } from '../lib/flags';
import { startBullMqSteps } from '../lib/bullmq-steps';
import { compareAtLevels, rateGroups } from '../lib/noop-levels';
import type { ScenarioResult } from '../lib/results';
import { barChartSvg } from '../lib/svg';
import { rate, ratio, table } from '../lib/table';
import { startNoOpArms } from '../noop/arms';
import { levelRows } from './1-throughput';

/** Scenario 5: the same six no-op steps as BullMQ jobs on Redis, against the production workflow. */
export async function bullmq(sizes: Sizes): Promise<ScenarioResult> {
  const arms = await startNoOpArms({ devServer: { dynamicConfig: sizes.serverConfig } });
  const queue = await startBullMqSteps();
  try {
    await arms.production(8, 4);
    await queue.run(8, 4);
    const levels = await compareAtLevels(sizes.noOpJobs, sizes.quick ? 1 : 2, arms.production, queue.run);
    const report = [
      ...table(
        [
          'at once',
          'Temporal jobs/s',
          'Temporal p50 / p99',
          'BullMQ jobs/s',
          'BullMQ p50 / p99',
          'ratio Temporal ÷ BullMQ',
          'per-pair ratios',
        ],
        levelRows(levels),
      ),
      '',
      ...levels.map(
        (l) =>
          `${l.concurrency} at once: BullMQ does ${ratio(1 / l.rateRatio)} × the jobs/s of the production workflow ` +
          `(${rate(l.b.rate)} vs ${rate(l.a.rate)})`,
      ),
    ];
    const svg = barChartSvg({
      title: 'Six no-op steps: production Temporal workflow vs a BullMQ flow',
      yLabel: 'jobs/s',
      groups: rateGroups(levels, 'Temporal runJob', 'BullMQ flow'),
    });
    return {
      id: '5-bullmq',
      title: 'Durability\u2019s price: Temporal vs BullMQ, six no-op steps',
      report,
      data: { levels },
      svg,
    };
  } finally {
    await queue.close();
    await arms.close();
  }
}
