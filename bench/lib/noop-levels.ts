import type { LoopResult } from './closed-loop';
import type { BarChart } from './svg';
import { aFirst, median, summarize, type Summary } from './stats';

/** One arm at one concurrency level, pooled over its segments. */
export interface ArmLevel {
  jobs: number;
  failures: number;
  /** Jobs per second: all its jobs over all its segments' wall time. */
  rate: number;
  /** Jobs per second of each segment, in pair order. */
  segmentRates: number[];
  latencyMs: Summary;
  /** CPU time per job, in ms, of each watched process (the bench process holds client and worker). */
  cpuMsPerJob: Record<string, number>;
}

export interface LevelComparison {
  concurrency: number;
  a: ArmLevel;
  b: ArmLevel;
  /** a ÷ b of the pooled rates, and the median and range of the per-pair ratios. */
  rateRatio: number;
  pairRatios: number[];
  medianPairRatio: number;
}

function pool(segments: LoopResult[]): ArmLevel {
  const latencies = segments.flatMap((s) => s.latencies);
  const wall = segments.reduce((sum, s) => sum + s.wallMs, 0);
  return {
    jobs: latencies.length,
    failures: segments.reduce((sum, s) => sum + s.failures, 0),
    rate: (latencies.length / wall) * 1000,
    segmentRates: segments.map((s) => s.rate),
    latencyMs: summarize(latencies),
    cpuMsPerJob: Object.fromEntries(
      Object.keys(segments[0]?.cpuMs ?? {}).map((name) => [
        name,
        segments.reduce((sum, s) => sum + (s.cpuMs[name] ?? 0), 0) / Math.max(latencies.length, 1),
      ]),
    ),
  };
}

/**
 * Two arms at each concurrency level, in ABBA order: `pairs` pairs of segments of `jobs ÷ pairs` jobs
 * each, so each arm runs about `jobs` jobs per level and neither always goes first.
 */
export async function compareAtLevels(
  levels: Record<number, number>,
  pairs: number,
  a: (total: number, concurrency: number) => Promise<LoopResult>,
  b: (total: number, concurrency: number) => Promise<LoopResult>,
  afterLevel?: (concurrency: number) => Promise<void>,
): Promise<LevelComparison[]> {
  const out: LevelComparison[] = [];
  for (const [level, jobs] of Object.entries(levels)) {
    const concurrency = Number(level);
    const perSegment = Math.max(concurrency, Math.round(jobs / pairs));
    const segA: LoopResult[] = [];
    const segB: LoopResult[] = [];
    for (let pair = 0; pair < pairs; pair++) {
      if (aFirst(pair)) {
        segA.push(await a(perSegment, concurrency));
        segB.push(await b(perSegment, concurrency));
      } else {
        segB.push(await b(perSegment, concurrency));
        segA.push(await a(perSegment, concurrency));
      }
    }
    const armA = pool(segA);
    const armB = pool(segB);
    const pairRatios = segA.map((s, i) => s.rate / segB[i]!.rate);
    out.push({
      concurrency,
      a: armA,
      b: armB,
      rateRatio: armA.rate / armB.rate,
      pairRatios,
      medianPairRatio: median(pairRatios),
    });
    await afterLevel?.(concurrency);
  }
  return out;
}

/** Chart groups of two arms' rates at each level, whiskers from their slowest to fastest segment. */
export function rateGroups(levels: LevelComparison[], seriesA: string, seriesB: string): BarChart['groups'] {
  const bar = (series: string, arm: ArmLevel) => ({
    series,
    value: arm.rate,
    low: Math.min(...arm.segmentRates),
    high: Math.max(...arm.segmentRates),
  });
  return levels.map((l) => ({
    label: `${l.concurrency} at once`,
    bars: [bar(seriesA, l.a), bar(seriesB, l.b)],
  }));
}
