import type { TraceSpan } from '../client-library';

const BAR_WIDTH = 40;

/** The trace as a terminal waterfall: one line per span, children under their parent, in start order. */
export function renderWaterfall(spans: TraceSpan[]): string {
  if (spans.length === 0) return '(no spans)';
  const start = spans.reduce((min, s) => (s.startNs < min ? s.startNs : min), spans[0]!.startNs);
  const end = spans.reduce((max, s) => (s.endNs > max ? s.endNs : max), spans[0]!.endNs);
  const total = Number(end - start) || 1;
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string | undefined, TraceSpan[]>();
  for (const span of spans) {
    const parent = span.parentSpanId && ids.has(span.parentSpanId) ? span.parentSpanId : undefined;
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  const ms = (ns: bigint | number) => `${(Number(ns) / 1e6).toFixed(1)} ms`;
  const lines = [
    `${'span'.padEnd(48)} ${'service'.padEnd(22)} ${'start'.padStart(10)} ${'duration'.padStart(10)}  status`,
  ];
  const walk = (parent: string | undefined, depth: number) => {
    const list = [...(children.get(parent) ?? [])].sort((a, b) => (a.startNs < b.startNs ? -1 : 1));
    for (const span of list) {
      const offset = Number(span.startNs - start);
      const duration = Number(span.endNs - span.startNs);
      const from = Math.floor((offset / total) * BAR_WIDTH);
      const width = Math.max(1, Math.round((duration / total) * BAR_WIDTH));
      const bar = ' '.repeat(from) + '█'.repeat(Math.min(width, BAR_WIDTH - from));
      const name = `${'  '.repeat(depth)}${span.name}`.slice(0, 48).padEnd(48);
      const status = span.error ? `ERROR ${span.attributes['mlx.failure_type'] ?? ''}`.trim() : 'ok';
      lines.push(
        `${name} ${span.service.slice(0, 22).padEnd(22)} ${ms(offset).padStart(10)} ${ms(duration).padStart(10)}  ${status.padEnd(24)} |${bar.padEnd(BAR_WIDTH)}|`,
      );
      walk(span.spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  return lines.join('\n');
}
