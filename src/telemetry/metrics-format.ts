/**
 * Between the two exposition formats: prom-client writes OpenMetrics (with exemplars); a scraper that
 * asks for the Prometheus text format gets the same samples without exemplars; the Temporal SDK's own
 * metrics (Prometheus text, counters with `_total`) are turned into OpenMetrics to be served alongside.
 */

const TYPE_OR_HELP = /^# (TYPE|HELP) (\S+)(.*)$/;

function counterFamilies(lines: string[]): Set<string> {
  const counters = new Set<string>();
  for (const line of lines) {
    const m = /^# TYPE (\S+) counter$/.exec(line);
    if (m) counters.add(m[1]!);
  }
  return counters;
}

/** OpenMetrics → Prometheus text 0.0.4: no `# EOF`, no exemplars, counter families named with `_total`. */
export function openMetricsToText(openMetrics: string): string {
  const lines = openMetrics.split('\n').filter((l) => l !== '' && l !== '# EOF' && !l.startsWith('# UNIT '));
  const counters = counterFamilies(lines);
  return (
    lines
      .map((line) => {
        const meta = TYPE_OR_HELP.exec(line);
        if (meta) return counters.has(meta[2]!) ? `# ${meta[1]} ${meta[2]}_total${meta[3]}` : line;
        const exemplarAt = line.indexOf(' # {');
        return exemplarAt === -1 ? line : line.slice(0, exemplarAt);
      })
      .join('\n') + '\n'
  );
}

/**
 * Prometheus text → OpenMetrics lines (without `# EOF`): counter families lose their `_total` (their
 * samples keep it); a counter family whose samples lack it is left untyped, which OpenMetrics allows.
 */
export function textToOpenMetrics(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const counters = counterFamilies(lines);
  return lines
    .map((line) => {
      const meta = TYPE_OR_HELP.exec(line);
      if (!meta || !counters.has(meta[2]!)) return line;
      const [, kind, name, rest] = meta;
      if (name!.endsWith('_total')) return `# ${kind} ${name!.slice(0, -'_total'.length)}${rest}`;
      return kind === 'TYPE' ? `# TYPE ${name} unknown` : line;
    })
    .join('\n');
}
