/** The statistics every scenario reports: quantiles, a summary, paired differences, a bootstrap interval. */

/** Linear interpolation between the two closest ranks (type 7, as in R and NumPy). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (at - low);
}

export const median = (values: readonly number[]) => quantile(values, 0.5);

export interface Summary {
  n: number;
  median: number;
  p99: number;
  /** Interquartile range: the middle half of the values. */
  q1: number;
  q3: number;
  min: number;
  max: number;
}

export function summarize(values: readonly number[]): Summary {
  return {
    n: values.length,
    median: median(values),
    p99: quantile(values, 0.99),
    q1: quantile(values, 0.25),
    q3: quantile(values, 0.75),
    min: Math.min(...values),
    max: Math.max(...values),
  };
}

/** A small seeded generator (mulberry32), so a bootstrap interval is the same on every run of the data. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 95 % percentile-bootstrap interval of the median (2000 resamples). */
export function bootstrapMedianInterval(values: readonly number[], resamples = 2000): [number, number] {
  if (values.length < 2) return [median(values), median(values)];
  const random = seeded(values.length * 7919);
  const medians: number[] = [];
  for (let i = 0; i < resamples; i++) {
    const sample = Array.from({ length: values.length }, () => values[Math.floor(random() * values.length)]!);
    medians.push(median(sample));
  }
  return [quantile(medians, 0.025), quantile(medians, 0.975)];
}

export interface PairedComparison {
  pairs: number;
  /** Median of (a − b) over the pairs, and its 95 % bootstrap interval and interquartile range. */
  medianDifference: number;
  interval: [number, number];
  q1: number;
  q3: number;
  /** Median of the per-pair ratios a ÷ b. */
  medianRatio: number;
}

/** Compares two arms measured in pairs (a[i] beside b[i], same conditions): never a difference of medians. */
export function comparePaired(a: readonly number[], b: readonly number[]): PairedComparison {
  if (a.length !== b.length) throw new Error(`paired arms differ in length: ${a.length} vs ${b.length}`);
  const differences = a.map((value, i) => value - b[i]!);
  return {
    pairs: differences.length,
    medianDifference: median(differences),
    interval: bootstrapMedianInterval(differences),
    q1: quantile(differences, 0.25),
    q3: quantile(differences, 0.75),
    medianRatio: median(a.map((value, i) => value / b[i]!)),
  };
}

/** ABBA ABBA …: arm A runs first in even pairs, second in odd ones, so neither arm always goes first. */
export function aFirst(pair: number): boolean {
  return pair % 2 === 0;
}
