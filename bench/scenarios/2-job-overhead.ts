import { availableParallelism } from 'node:os';
import { STEPS } from '../../src/contract';
import { reportGaps } from '../lib/dispatch-gaps';
import type { Sizes } from '../lib/flags';
import { startJobArms, type JobArms, type JobRun } from '../lib/job-arms';
import type { ScenarioResult } from '../lib/results';
import { aFirst, comparePaired, summarize, type PairedComparison } from '../lib/stats';
import { barChartSvg } from '../lib/svg';
import { ms, range, ratio, signedMs, table } from '../lib/table';

/** Runs `pairs` pairs of one Temporal job and one direct run, in ABBA order, after one warm-up each. */
async function pairedJobs(arms: JobArms, pairs: number): Promise<{ temporal: JobRun[]; direct: JobRun[] }> {
  await arms.temporal();
  await arms.direct();
  const temporal: JobRun[] = [];
  const direct: JobRun[] = [];
  for (let pair = 0; pair < pairs; pair++) {
    if (aFirst(pair)) {
      temporal.push(await arms.temporal());
      direct.push(await arms.direct());
    } else {
      direct.push(await arms.direct());
      temporal.push(await arms.temporal());
    }
  }
  return { temporal, direct };
}

/** One bar of the chart: a median paired difference with its 95 % interval as the whisker. */
function differenceBar(label: string, series: string, p: PairedComparison) {
  return {
    label,
    bars: [{ series, value: p.medianDifference, low: p.interval[0], high: p.interval[1] }],
  };
}

/** Scenario 2: a real sync_orders job through Temporal against the same seven steps without it. */
export async function jobOverhead(sizes: Sizes): Promise<ScenarioResult> {
  const arms = await startJobArms(sizes.serverConfig);
  try {
    const { temporal, direct } = await pairedJobs(arms, sizes.pairs);
    const gaps = reportGaps((await arms.gaps()).slice(1)); // not the warm-up job
    const whole = comparePaired(
      temporal.map((r) => r.ms),
      direct.map((r) => r.ms),
    );
    const between = comparePaired(
      temporal.map((r) => r.ms - STEPS.reduce((sum, s) => sum + (r.steps[s] ?? 0), 0)),
      direct.map((r) => r.ms - STEPS.reduce((sum, s) => sum + (r.steps[s] ?? 0), 0)),
    );
    const perStep = STEPS.map((step) => ({
      step,
      temporal: summarize(temporal.map((r) => r.steps[step] ?? 0)),
      direct: summarize(direct.map((r) => r.steps[step] ?? 0)),
      paired: comparePaired(
        temporal.map((r) => r.steps[step] ?? 0),
        direct.map((r) => r.steps[step] ?? 0),
      ),
      dispatch: gaps.byName[step],
    }));
    const cpu = (['machine', 'bench', 'server'] as const).map((part) => ({
      part,
      temporal: summarize(temporal.map((r) => r.cpu[part])),
      direct: summarize(direct.map((r) => r.cpu[part])),
      paired: comparePaired(
        temporal.map((r) => r.cpu[part]),
        direct.map((r) => r.cpu[part]),
      ),
    }));
    // How busy the machine was during a direct run: CPU used ÷ (wall time × cores).
    const directBusy = summarize(direct.map((r) => r.cpu.machine / (r.ms * availableParallelism())));
    const t = summarize(temporal.map((r) => r.ms));
    const d = summarize(direct.map((r) => r.ms));
    const report = [
      ...table(
        ['arm', 'median', 'p99', 'IQR'],
        [
          ['job through Temporal (submit → result)', ms(t.median), ms(t.p99), range(t.q1, t.q3, ms)],
          ['the seven steps without Temporal', ms(d.median), ms(d.p99), range(d.q1, d.q3, ms)],
        ],
      ),
      '',
      `overhead per job, median of ${whole.pairs} paired differences: ${signedMs(whole.medianDifference)} ` +
        `(95 % interval ${range(whole.interval[0], whole.interval[1], signedMs)}, ` +
        `IQR ${range(whole.q1, whole.q3, signedMs)}); median paired ratio ${ratio(whole.medianRatio)} ` +
        `(targets: ≤ 100 ms, ≤ 1.05)`,
      `of which outside any step (workflow tasks between steps, the profile turn, start and result): ` +
        `${signedMs(between.medianDifference)} (interval ${range(between.interval[0], between.interval[1], signedMs)})`,
      `tasks per job: ${gaps.tasksPerRun}; dispatch wait per job (sum of scheduled → started): ` +
        `${ms(gaps.waitPerRunMs.median)}`,
      '',
      ...table(
        ['step', 'Temporal (workflow time)', 'direct', 'paired difference', 'of it, scheduled → started'],
        perStep.map((s) => [
          s.step,
          ms(s.temporal.median),
          ms(s.direct.median),
          `${signedMs(s.paired.medianDifference)} (${range(s.paired.interval[0], s.paired.interval[1], signedMs)})`,
          s.dispatch ? ms(s.dispatch.median) : 'n/a',
        ]),
      ),
      '',
      ...table(
        ['CPU per job', 'Temporal', 'direct', 'paired difference'],
        cpu.map((c) => [
          {
            machine: 'whole machine',
            bench: 'bench process (client, worker, Playwright)',
            server: 'Temporal server',
          }[c.part],
          ms(c.temporal.median),
          ms(c.direct.median),
          `${signedMs(c.paired.medianDifference)} (${range(c.paired.interval[0], c.paired.interval[1], signedMs)})`,
        ]),
      ),
      `during a direct run the machine's ${availableParallelism()} cores were ${Math.round(directBusy.median * 100)} % busy ` +
        '(median): CPU the orchestration uses is CPU the browser waits for',
      '',
      `workflow tasks: ${gaps.byName['workflow task']?.n ?? 0} over ${Math.max(temporal.length, 1)} jobs, ` +
        `scheduled → started p50 ${ms(gaps.byName['workflow task']?.median ?? 0)}, p99 ${ms(gaps.byName['workflow task']?.p99 ?? 0)}`,
    ];
    const svg = barChartSvg({
      title: 'Where a job\u2019s overhead goes: Temporal minus direct, median of paired differences',
      yLabel: 'ms per job',
      groups: [
        ...perStep.map((s) =>
          differenceBar(s.step.replace(/([A-Z])/g, ' $1').toLowerCase(), 'step', s.paired),
        ),
        differenceBar('between steps', 'between steps', between),
        differenceBar('whole job', 'whole job', whole),
      ],
      reference: { value: 100, label: 'target 100 ms' },
    });
    return {
      id: '2-job-overhead',
      title: 'A real sync_orders job: through Temporal vs the seven steps without it',
      report,
      data: { pairs: whole.pairs, temporal, direct, whole, between, perStep, cpu, directBusy, gaps },
      svg,
    };
  } finally {
    await arms.close();
  }
}
