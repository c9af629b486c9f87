import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** Every sample name in a Prometheus text exposition (histograms as _bucket, _sum and _count). */
export function scrapedFamilies(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{| )/.exec(line);
    if (m) names.add(m[1]!);
  }
  return names;
}

function files(dir: string, ext: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? files(join(dir, entry.name), ext)
      : entry.name.endsWith(ext)
        ? [join(dir, entry.name)]
        : [],
  );
}

/**
 * The metric names the alert rules and the Grafana dashboards query (their PromQL only: rule `expr`s
 * and panel targets) that start with one of `prefixes` (the worker's own by default), so a test can check
 * each against a real scrape of whatever serves them.
 */
export function metricNamesInRepo(...prefixes: string[]): Set<string> {
  const METRIC = new RegExp(
    `\\b((?:${(prefixes.length ? prefixes : ['mlx', 'temporal']).join('|')})_[a-z0-9_]+)\\b`,
    'g',
  );
  const names = new Set<string>();
  const add = (expr: string) => {
    // Label names (mlx_platform of the span metrics) are no metrics: leave out matchers and groupings.
    const metricsOnly = expr
      .replace(/\{[^}]*\}/g, '')
      .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
    for (const m of metricsOnly.matchAll(METRIC)) names.add(m[1]!);
  };
  for (const file of files(join(ROOT, 'deploy', 'prometheus'), '.rules.yml')) {
    for (const m of readFileSync(file, 'utf8').matchAll(
      /^\s*expr: *([\s\S]*?)(?=^\s*(?:for|labels|annotations|- alert|- record):)/gm,
    )) {
      add(m[1]!);
    }
  }
  for (const file of files(join(ROOT, 'deploy', 'grafana', 'dashboards'), '.json')) {
    const dashboard = JSON.parse(readFileSync(file, 'utf8')) as {
      panels?: { targets?: { expr?: string }[] }[];
    };
    for (const panel of dashboard.panels ?? [])
      for (const target of panel.targets ?? []) add(target.expr ?? '');
  }
  return names;
}
