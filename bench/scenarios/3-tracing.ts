import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startJaeger } from '../../test/helpers/jaeger';
import type { Sizes } from '../lib/flags';
import type { ScenarioResult } from '../lib/results';
import { aFirst, comparePaired, median, type PairedComparison } from '../lib/stats';
import { barChartSvg } from '../lib/svg';
import { range, ratio, table } from '../lib/table';
import type { JobArmResult, NoOpArmResult } from '../tracing-arm';

const run = promisify(execFile);
const ARM = join(__dirname, '..', 'tracing-arm.ts');

async function arm<T>(args: string[], env: NodeJS.ProcessEnv): Promise<T> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', ARM, ...args], {
    env: { ...process.env, ...env },
    maxBuffer: 16 * 2 ** 20,
  });
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`tracing arm ${args.join(' ')} printed no result:\n${stdout}`);
  return JSON.parse(line.slice('RESULT '.length)) as T;
}

interface Measure {
  name: string;
  /** Lower is better (latency) or higher is better (rate): ratios are always traced ÷ untraced. */
  unit: string;
  traced: number[];
  untraced: number[];
}

/**
 * Scenario 3: tracing on (spans over OTLP/gRPC to a real Jaeger) against off (OTEL_SDK_DISABLED), for
 * scenario 1's no-op jobs and scenario 2's real jobs. Each arm is a process of its own; the two run in
 * ABBA order, `rounds` pairs, and each pair is compared as a pair.
 */
export async function tracing(sizes: Sizes): Promise<ScenarioResult> {
  const jaeger = await startJaeger();
  const on = { OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpHttpEndpoint, OTEL_SDK_DISABLED: 'false' };
  const off = { OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: '' };
  const measures: Measure[] = [
    { name: 'no-op job, one at a time: median latency', unit: 'ms', traced: [], untraced: [] },
    { name: 'no-op jobs, 32 at once: jobs/s', unit: 'jobs/s', traced: [], untraced: [] },
    { name: 'real sync_orders job: median latency', unit: 'ms', traced: [], untraced: [] },
  ];
  const { c1, c32, real } = sizes.tracing;
  let exportedTraces = 0;
  let exportedSpans = 0;
  try {
    for (let pair = 0; pair < sizes.rounds; pair++) {
      const order: [boolean, NodeJS.ProcessEnv][] = aFirst(pair)
        ? [
            [true, on],
            [false, off],
          ]
        : [
            [false, off],
            [true, on],
          ];
      for (const [traced, env] of order) {
        const config = JSON.stringify(sizes.serverConfig ?? null);
        const noop = await arm<NoOpArmResult>(['noop', String(c1), String(c32), config], env);
        const job = await arm<JobArmResult>(['job', String(real), config], env);
        const values = [median(noop.c1LatenciesMs), noop.c32Rate, median(job.latenciesMs)];
        values.forEach((v, i) => (traced ? measures[i]!.traced : measures[i]!.untraced).push(v));
      }
    }
    // The proof that the traced arms exported: their traces are in Jaeger (its store keeps 10 000).
    const found = (await fetch(
      `${jaeger.queryUrl}/api/traces?service=mlx-worker&limit=10000&lookback=1h`,
    ).then((r) => r.json())) as { data?: { spans: unknown[] }[] };
    exportedTraces = found.data?.length ?? 0;
    exportedSpans = found.data?.reduce((sum, t) => sum + t.spans.length, 0) ?? 0;
  } finally {
    await jaeger.stop();
  }
  const compared = measures.map((m) => ({ ...m, paired: comparePaired(m.traced, m.untraced) }));
  const fmt = (m: Measure, v: number) => (m.unit === 'ms' ? `${v.toFixed(0)} ms` : v.toFixed(1));
  const spread = (m: Measure, p: PairedComparison) =>
    `${range(p.q1, p.q3, (v) => fmt(m, v))} (95 %: ${range(p.interval[0], p.interval[1], (v) => fmt(m, v))})`;
  const report = [
    ...table(
      [
        'measure',
        'traced (median of rounds)',
        'off',
        'ratio traced ÷ off (median of pairs)',
        'paired difference: IQR (interval)',
      ],
      compared.map((m) => [
        m.name,
        fmt(m, median(m.traced)),
        fmt(m, median(m.untraced)),
        ratio(m.paired.medianRatio),
        spread(m, m.paired),
      ]),
    ),
    '',
    `${sizes.rounds} ABBA pairs of processes; traces that reached Jaeger: ${exportedTraces} (${exportedSpans} spans). ` +
      (sizes.rounds < 6
        ? `With fewer than 6 pairs the "95 %" interval is the range of the differences and covers less. `
        : '') +
      `A ratio whose interval of differences spans 0 is not a measured cost. Targets: ≤ 2 % in the no-op ` +
      `scenario, not measurable in the real job.`,
  ];
  const svg = barChartSvg({
    title: 'Tracing on ÷ off (median of paired ratios; whiskers: range of the pairs)',
    yLabel: 'traced ÷ off',
    groups: compared.map((m) => {
      const ratios = m.traced.map((v, i) => v / m.untraced[i]!);
      return {
        label: m.name.split(':')[0]!,
        bars: [
          {
            series: 'traced ÷ off',
            value: m.paired.medianRatio,
            low: Math.min(...ratios),
            high: Math.max(...ratios),
          },
        ],
      };
    }),
    reference: { value: 1, label: 'no cost' },
  });
  return {
    id: '3-tracing',
    title: 'Tracing on (OTLP to Jaeger) vs off',
    report,
    data: { rounds: sizes.rounds, sizes: sizes.tracing, exportedTraces, exportedSpans, measures: compared },
    svg,
  };
}
