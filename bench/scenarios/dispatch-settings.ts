import { DISPATCH_SETTINGS } from '../../src/dev/temporal-dev-server';
import { reportGaps, type GapReport } from '../lib/dispatch-gaps';
import type { ServerConfig, Sizes } from '../lib/flags';
import type { ScenarioResult } from '../lib/results';
import { summarize, type Summary } from '../lib/stats';
import { barChartSvg } from '../lib/svg';
import { ms, rate, table } from '../lib/table';
import { startNoOpArms } from '../noop/arms';

/**
 * The dev server's settings tried against Temporal's defaults, each on a fresh server: the three issue
 * 12 names, others that bear on the same path (history → matching → poller), and the project's own.
 */
export const CANDIDATES: { name: string; label: string; config: ServerConfig }[] = [
  // Temporal's own defaults: no dynamic configuration at all.
  { name: 'Temporal defaults', label: 'defaults', config: {} },
  // Each shard reads its transfer queue (activity and workflow tasks to hand to matching) at most this
  // often per second (default 20): a task written just after a read waits for the next one.
  {
    name: 'transferProcessorMaxPollRPS 10000',
    label: 'transfer RPS',
    config: { 'history.transferProcessorMaxPollRPS': 10_000 },
  },
  // The same limit for the timer queue (timeouts, retries' backoff, workflow timers).
  {
    name: 'timerProcessorMaxPollRPS 10000',
    label: 'timer RPS',
    config: { 'history.timerProcessorMaxPollRPS': 10_000 },
  },
  // A workflow task completion may carry its activity tasks back to the same worker (same queue only).
  {
    name: 'enableActivityEagerExecution',
    label: 'eager',
    config: { 'system.enableActivityEagerExecution': true },
  },
  // One partition per task queue: no forwarding between a partition without a poller and the root.
  {
    name: 'one task-queue partition',
    label: '1 partition',
    config: { 'matching.numTaskqueueReadPartitions': 1, 'matching.numTaskqueueWritePartitions': 1 },
  },
  // The host-level events cache (instead of a small per-shard one) saves history reads.
  {
    name: 'enableHostLevelEventsCache',
    label: 'events cache',
    config: { 'history.enableHostLevelEventsCache': true },
  },
  // What the project runs Temporal with (src/dev/temporal-dev-server.ts, deploy/temporal/).
  { name: 'the project\u2019s DISPATCH_SETTINGS', label: 'project', config: { ...DISPATCH_SETTINGS } },
];

interface ArmUnder {
  /** Submit → result of jobs run one at a time. */
  latencyMs: Summary;
  gaps: GapReport;
  /** Jobs per second with 32 at once. */
  rateAt32: number;
  failures: number;
}

interface SettingResult {
  name: string;
  label: string;
  config: ServerConfig;
  production: ArmUnder;
  bare: ArmUnder;
}

/** Both no-op arms of scenario 1 on a server started with `config`: one at a time, then 32 at once. */
async function measure(config: ServerConfig, sizes: Sizes): Promise<Omit<SettingResult, 'name' | 'label'>> {
  const arms = await startNoOpArms({ devServer: { dynamicConfig: config } });
  try {
    await arms.production(8, 4);
    await arms.bare(8, 4);
    const runs = sizes.dispatchRuns;
    const sequential = { production: await arms.production(runs, 1), bare: await arms.bare(runs, 1) };
    const gaps = await arms.gaps(runs);
    const burst = sizes.dispatchBurst;
    const at32 = { production: await arms.production(burst, 32), bare: await arms.bare(burst, 32) };
    const arm = (key: 'production' | 'bare'): ArmUnder => ({
      latencyMs: summarize(sequential[key].latencies),
      gaps: reportGaps(gaps[key]),
      rateAt32: at32[key].rate,
      failures: sequential[key].failures + at32[key].failures,
    });
    return { config, production: arm('production'), bare: arm('bare') };
  } finally {
    await arms.close();
  }
}

const gapCell = (g: GapReport, kind: string) => {
  const s = g.byKind[kind];
  return s ? `${ms(s.median)} / ${ms(s.p99)}` : 'n/a';
};

/**
 * The dev server's task dispatch gap (scheduled → started of every workflow and activity task, read
 * from the histories) under its defaults and under each candidate setting, for the production workflow
 * with no-op steps and for the bare SDK workflow.
 */
export async function dispatchSettings(sizes: Sizes): Promise<ScenarioResult> {
  const settings: SettingResult[] = [];
  for (const candidate of CANDIDATES) {
    settings.push({
      name: candidate.name,
      label: candidate.label,
      ...(await measure(candidate.config, sizes)),
    });
  }
  const base = settings[0]!;
  const rows = settings.flatMap((s) =>
    (['production', 'bare'] as const).map((key) => {
      const a = s[key];
      const before = base[key];
      return [
        s.name,
        key,
        gapCell(a.gaps, 'workflow task'),
        gapCell(a.gaps, 'activity task'),
        `${ms(a.gaps.waitPerRunMs.median)} (${a.gaps.tasksPerRun} tasks)`,
        `${ms(a.latencyMs.median)} / ${ms(a.latencyMs.p99)}`,
        `${ms(a.latencyMs.median - before.latencyMs.median)}`,
        rate(a.rateAt32),
        a.failures,
      ];
    }),
  );
  const report = [
    ...table(
      [
        'setting',
        'arm',
        'workflow task gap p50 / p99',
        'activity task gap p50 / p99',
        'dispatch wait per job',
        'job p50 / p99 (one at a time)',
        'p50 change vs defaults',
        'jobs/s at 32',
        'failed',
      ],
      rows,
    ),
    '',
    `${sizes.dispatchRuns} jobs one at a time per arm and setting (gaps from their histories), then ` +
      `${sizes.dispatchBurst} at 32 at once; each setting on a fresh in-memory dev server.`,
  ];
  const svg = barChartSvg({
    title: 'Dispatch wait per job (sum of scheduled → started), by dev-server setting',
    yLabel: 'ms per job',
    groups: settings.map((s) => ({
      label: s.label,
      bars: (['production', 'bare'] as const).map((key) => ({
        series: key === 'production' ? 'production runJob' : 'bare six no-ops',
        value: s[key].gaps.waitPerRunMs.median,
        low: s[key].gaps.waitPerRunMs.q1,
        high: s[key].gaps.waitPerRunMs.q3,
      })),
    })),
  });
  return {
    id: 'dispatch-settings',
    title: 'Task dispatch gap under dev-server settings',
    report,
    data: { runs: sizes.dispatchRuns, burst: sizes.dispatchBurst, settings },
    svg,
  };
}
