/**
 * Between the two exposition formats: prom-client writes OpenMetrics (with exemplars); a scraper that
 * asks for the Prometheus text format gets the same samples without exemplars.
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
