import type { JobResult } from '../../src/contract';
import type { Sizes } from '../lib/flags';
import type { ScenarioResult } from '../lib/results';
import { median, summarize } from '../lib/stats';
import { barChartSvg } from '../lib/svg';
import { ms, ratio, table } from '../lib/table';
import { startWorkerStack } from '../lib/worker-stack';

const PROFILE = 'same-profile';

/**
 * When a job's acquireLease was scheduled and its releaseLease ended, in workflow time, from the steps
 * its result reports (releaseLease may be a local activity, which has no task events in the history).
 */
function holdOf(result: JobResult): { acquireStarted: number; released: number } {
  const step = (name: string) => result.steps.find((s) => s.step === name);
  const acquire = step('acquireLease');
  const release = step('releaseLease');
  return {
    acquireStarted: acquire ? Date.parse(acquire.started_at) : Number.NaN,
    released: release ? Date.parse(release.started_at) + (release.duration_ms ?? 0) : Number.NaN,
  };
}

/** Scenario 6: many jobs submitted at once for one profile: total time ÷ the sum of their work. */
export async function sameProfile(sizes: Sizes): Promise<ScenarioResult> {
  const stack = await startWorkerStack({ maxOpenProfiles: 8, serverConfig: sizes.serverConfig });
  try {
    const run = async (id: string) => {
      await stack.submit(id, PROFILE);
      const result = await stack.result(id);
      if (result.status !== 'completed') throw new Error(`${id} ended ${String(result.status)}`);
    };
    // One job's work: a warm job alone on the profile, submit → result (the first, cold one not counted).
    await run('solo-cold');
    const solo: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      await run(`solo-${i}`);
      solo.push(performance.now() - t0);
    }
    const ids = Array.from({ length: sizes.sameProfileJobs }, (_, i) => `queued-${i}`);
    const t0 = performance.now();
    for (const id of ids) await stack.submit(id, PROFILE);
    const results: JobResult[] = [];
    for (const id of ids) {
      const result = await stack.result(id);
      if (result.status !== 'completed') throw new Error(`${id} ended ${String(result.status)}`);
      results.push(result);
    }
    const totalMs = performance.now() - t0;
    const work = median(solo) * ids.length;
    const holds = results.map(holdOf);
    const inOrder = holds.every((h, i) => i === 0 || h.acquireStarted > holds[i - 1]!.acquireStarted);
    // Hand-off: one job's lease released → the next job's acquireLease started, in the order they ran.
    const byStart = [...holds].sort((a, b) => a.acquireStarted - b.acquireStarted);
    const handoffs = summarize(byStart.slice(1).map((h, i) => h.acquireStarted - byStart[i]!.released));
    const ratioToWork = totalMs / work;
    const report = [
      ...table(
        ['measure', 'value'],
        [
          ['jobs submitted at once for one profile', ids.length],
          ['one warm job alone (median of 3), submit → result', ms(median(solo))],
          ['sum of their work (jobs × one job alone)', ms(work)],
          ['total, first submit → last result', ms(totalMs)],
          ['total ÷ sum of work (target ≤ 1.15)', ratio(ratioToWork)],
          [
            'hand-off, releaseLease ended → next acquireLease scheduled: p50 / p99 (target ≤ 200 ms)',
            `${ms(handoffs.median)} / ${ms(handoffs.p99)}`,
          ],
          ['ran in submission order', inOrder ? 'yes' : 'no'],
        ],
      ),
    ];
    const svg = barChartSvg({
      title: `${ids.length} jobs on one profile: total time against the sum of their work`,
      yLabel: 'seconds',
      groups: [
        { label: 'sum of their work', bars: [{ series: 'sum of work', value: work / 1000 }] },
        { label: 'total time', bars: [{ series: 'total time', value: totalMs / 1000 }] },
      ],
      reference: { value: (work * 1.15) / 1000, label: 'target 1.15 × work' },
    });
    return {
      id: '6-same-profile',
      title: 'Same-profile serialisation',
      report,
      data: { jobs: ids.length, solo, totalMs, work, ratio: ratioToWork, handoffs, inOrder, holds },
      svg,
    };
  } finally {
    await stack.close();
  }
}
