/** The statistics every scenario reports: quantiles, a summary, paired differences, an interval of the median. */

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

/**
 * 95 % distribution-free interval of the median, from order statistics: [x(r), x(n + 1 − r)] with r the
 * largest rank for which P(Binomial(n, ½) < r) ≤ 2.5 %. Exact, and the same on every run of the data.
 * Below six values no such rank exists and the interval is the whole range (it covers less than 95 %).
 */
export function medianInterval(values: readonly number[]): [number, number] {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return [Number.NaN, Number.NaN];
  // P(B = i) in logs (2^-n underflows past n = 1074), summed until the tail passes 2.5 %.
  let logP = -n * Math.LN2;
  let below = 0; // P(B < rank)
  let rank = 0;
  while (rank < n) {
    const next = below + Math.exp(logP);
    if (next > 0.025) break;
    below = next;
    logP += Math.log(n - rank) - Math.log(rank + 1);
    rank += 1;
  }
  const r = Math.max(rank, 1);
  return [sorted[r - 1]!, sorted[n - r]!];
}

export interface PairedComparison {
  pairs: number;
  /** Median of (a − b) over the pairs, its 95 % interval (medianInterval) and interquartile range. */
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
    interval: medianInterval(differences),
    q1: quantile(differences, 0.25),
    q3: quantile(differences, 0.75),
    medianRatio: median(a.map((value, i) => value / b[i]!)),
  };
}

/** ABBA ABBA …: arm A runs first in even pairs, second in odd ones, so neither arm always goes first. */
export function aFirst(pair: number): boolean {
  return pair % 2 === 0;
}

/**
 * The order of `arms` in pair `pair`: every permutation in turn, so over n! pairs each arm runs in each
 * position equally often (for two arms: A B, B A, A B … as aFirst).
 */
export function armOrder<T>(pair: number, arms: readonly T[]): T[] {
  const permutations = (items: readonly T[]): T[][] =>
    items.length <= 1
      ? [[...items]]
      : items.flatMap((item, i) =>
          permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
        );
  const all = permutations(arms);
  return all[pair % all.length]!;
}
