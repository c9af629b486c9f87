import { reportGaps, type GapReport } from '../lib/dispatch-gaps';
import type { Sizes } from '../lib/flags';
import { compareAtLevels, rateGroups, type LevelComparison } from '../lib/noop-levels';
import type { ScenarioResult } from '../lib/results';
import { barChartSvg } from '../lib/svg';
import { ms, rate, ratio, table } from '../lib/table';
import { startNoOpArms } from '../noop/arms';

/** Rows of a comparison of two arms' throughput at each level. */
export function levelRows(levels: LevelComparison[]): (string | number)[][] {
  return levels.map((l) => [
    l.concurrency,
    `${rate(l.a.rate)} (${l.a.failures} failed)`,
    `${ms(l.a.latencyMs.median)} / ${ms(l.a.latencyMs.p99)}`,
    `${rate(l.b.rate)} (${l.b.failures} failed)`,
    `${ms(l.b.latencyMs.median)} / ${ms(l.b.latencyMs.p99)}`,
    ratio(l.rateRatio),
    l.pairRatios.map(ratio).join(', '),
  ]);
}

export function gapRows(label: string, report: GapReport): (string | number)[][] {
  return Object.entries(report.byName).map(([name, s]) => [label, name, s.n, ms(s.median), ms(s.p99)]);
}

/** Scenario 1: no-op steps through the production workflow against a bare SDK workflow, 1/8/32 at once. */
export async function throughput(sizes: Sizes): Promise<ScenarioResult> {
  const arms = await startNoOpArms({ devServer: { dynamicConfig: sizes.serverConfig } });
  const gaps: Record<number, { production: GapReport; bare: GapReport }> = {};
  try {
    // Warm both workers (workflow caches, connections) before anything is measured.
    await arms.production(8, 4);
    await arms.bare(8, 4);
    const levels = await compareAtLevels(
      sizes.noOpJobs,
      sizes.quick ? 1 : 2,
      arms.production,
      arms.bare,
      async (concurrency) => {
        // Dispatch gaps one at a time (nothing queues on the worker) and 32 at once (where it does).
        if (concurrency !== 1 && concurrency !== 32) return;
        const runs = await arms.gaps(20);
        gaps[concurrency] = { production: reportGaps(runs.production), bare: reportGaps(runs.bare) };
      },
    );
    const c32 = levels.find((l) => l.concurrency === 32);
    const report = [
      ...table(
        [
          'at once',
          'production jobs/s',
          'production p50 / p99',
          'bare SDK jobs/s',
          'bare p50 / p99',
          'ratio',
          'per-pair ratios',
        ],
        levelRows(levels),
      ),
      '',
      `production ÷ bare at 32 at once: ${c32 ? ratio(c32.rateRatio) : 'n/a'} (target ≥ 0.90); ` +
        `production jobs/s at 32: ${c32 ? rate(c32.a.rate) : 'n/a'} (target ≥ 50)`,
    ];
    report.push(
      '',
      ...table(
        ['at once', 'arm', ...Object.keys(levels[0]?.a.cpuMsPerJob ?? {}).map((p) => `CPU per job: ${p}`)],
        levels.flatMap((l) => [
          [l.concurrency, 'production', ...Object.values(l.a.cpuMsPerJob).map(ms)],
          [l.concurrency, 'bare', ...Object.values(l.b.cpuMsPerJob).map(ms)],
        ]),
      ),
    );
    for (const [concurrency, g] of Object.entries(gaps)) {
      report.push(
        '',
        `${concurrency} at once: tasks per job: production ${g.production.tasksPerRun}, bare ${g.bare.tasksPerRun}; ` +
          `dispatch wait per job (sum of scheduled → started): production ${ms(g.production.waitPerRunMs.median)}, ` +
          `bare ${ms(g.bare.waitPerRunMs.median)}`,
        ...table(
          ['arm', 'task', 'n', 'scheduled → started p50', 'p99'],
          [...gapRows('production', g.production), ...gapRows('bare', g.bare)],
        ),
      );
    }
    const svg = barChartSvg({
      title: 'No-op jobs per second: production workflow vs bare SDK workflow',
      yLabel: 'jobs/s',
      groups: rateGroups(levels, 'production runJob', 'bare six no-ops'),
      reference: { value: 50, label: 'target 50 jobs/s' },
    });
    return {
      id: '1-throughput',
      title: 'Orchestration throughput (no-op steps)',
      report,
      data: { levels, gaps },
      svg,
    };
  } finally {
    await arms.close();
  }
}
