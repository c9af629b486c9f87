import type { TraceSpan } from '../../src/client-library';

/**
 * Whether a trace's spans, as a trace backend returned them, satisfy a TraceQL query of the form the CLI
 * writes: spansets `{ a && b }` joined by `&&` (each must match a span of the trace), then `| select(…)`.
 * Only the conditions the CLI uses are known; any other throws, so a new kind of condition is not passed
 * unchecked. Evaluated against the attributes the spans really carry, not against the code's own strings.
 */
export function traceQlMatches(query: string, spans: TraceSpan[]): { matches: boolean; selected: string[] } {
  const [where = '', select = ''] = query.split(' | select(');
  const spansets = [...where.matchAll(/\{ (.*?) \}/g)].map((m) => m[1]!.split(' && ').map(condition));
  if (!spansets.length) throw new Error(`no spanset in ${query}`);
  const matches = spansets.every((conditions) => spans.some((span) => conditions.every((c) => c(span))));
  const selected = select.replace(/\)$/, '').split(', ').filter(Boolean);
  return { matches, selected };
}

function condition(text: string): (span: TraceSpan) => boolean {
  const value = (raw: string) => JSON.parse(raw) as string;
  let m: RegExpExecArray | null;
  if ((m = /^resource\.service\.name = (".*")$/.exec(text))) {
    const service = value(m[1]!);
    return (span) => span.service === service;
  }
  if ((m = /^name = (".*")$/.exec(text))) {
    const name = value(m[1]!);
    return (span) => span.name === name;
  }
  if ((m = /^name =~ (".*")$/.exec(text))) {
    const pattern = new RegExp(`^(?:${value(m[1]!)})$`);
    return (span) => pattern.test(span.name);
  }
  if ((m = /^span\.([\w.]+) = (".*")$/.exec(text))) {
    const [key, expected] = [m[1]!, value(m[2]!)];
    return (span) => span.attributes[key] === expected;
  }
  if (text === 'status = error') return (span) => span.error;
  if ((m = /^duration >= (\d+)ms$/.exec(text))) {
    const ms = Number(m[1]);
    return (span) => Number(span.endNs - span.startNs) / 1e6 >= ms;
  }
  throw new Error(`a TraceQL condition this check does not know: ${text}`);
}
