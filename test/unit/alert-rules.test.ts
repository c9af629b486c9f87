import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';

const root = join(__dirname, '..', '..');
const rules = join(root, 'deploy', 'prometheus', 'rules');
const promtool = (...args: string[]) => execFileSync('promtool', args, { encoding: 'utf8', cwd: rules });

interface Rule {
  alert: string;
  expr: string;
  annotations: Record<string, string>;
}

const groups = (
  parse(readFileSync(join(rules, 'mlx-jobs.rules.yml'), 'utf8')) as {
    groups: { name: string; rules: Rule[] }[];
  }
).groups;
const alerts = groups.flatMap((g) => g.rules);

interface Panel {
  id?: number;
  type: string;
  targets?: { expr?: string }[];
}
const dashboard = JSON.parse(readFileSync(join(root, 'deploy/grafana/dashboards/mlx-jobs.json'), 'utf8')) as {
  uid: string;
  panels: Panel[];
};

test('the alert rules are valid Prometheus rules (promtool check rules)', () => {
  assert.match(promtool('check', 'rules', 'mlx-jobs.rules.yml'), /SUCCESS: 7 rules found/);
});

test("promtool's unit tests of the rules pass: each alert fires on its pattern and stays quiet otherwise", () => {
  assert.match(promtool('test', 'rules', 'mlx-jobs.rules.test.yml'), /SUCCESS/);
});

test("the recipe's four alerts read the span metrics; the rest the worker's own metrics", () => {
  const byGroup = Object.fromEntries(groups.map((g) => [g.name, g.rules]));
  assert.deepEqual(
    byGroup['mlx-jobs-spans']?.map((r) => r.alert),
    ['MlxProfileStartSlow', 'MlxCdpConnectErrorsSpike', 'MlxTaskFailingWithLease', 'MlxWebhookTimingOut'],
  );
  for (const rule of byGroup['mlx-jobs-spans'] ?? []) {
    assert.match(rule.expr, /traces_span_metrics_/, rule.alert);
    assert.doesNotMatch(rule.expr, /\bmlx_[a-z_]+\{/, `${rule.alert} reads no worker metric`);
  }
  assert.deepEqual(
    byGroup['mlx-jobs-app']?.map((r) => r.alert),
    ['MlxWebhookFailuresFeedingDeadLetters', 'MlxDeadLettersGrowing', 'MlxQuestionsUnanswered'],
  );
});

/** The TraceQL inside a Grafana Explore link, with Prometheus's templates in it replaced by `X`. */
function exploreQuery(url: string): string {
  const left = url.replace(/\{\{ \$labels\.\w+ \| urlquery \}\}/g, 'X').split('explore?left=')[1] ?? '';
  return (JSON.parse(decodeURIComponent(left)) as { queries: { query: string }[] }).queries[0]!.query;
}

test('each alert: summary, description, runbook section, dashboard panel and the trace search, linked from one base', () => {
  const operations = readFileSync(join(root, 'docs', 'operations.md'), 'utf8');
  for (const alert of alerts) {
    const a = alert.annotations;
    assert.ok(a.summary && a.description, `${alert.alert}: summary and description`);
    // Bases from Prometheus's external labels (deploy/prometheus/prometheus.yml), never an address.
    assert.doesNotMatch(JSON.stringify(a), /127\.0\.0\.1|localhost/, `${alert.alert}: no hard-coded host`);
    const anchor =
      /^\{\{ with \$externalLabels\.docs_url \}\}\{\{ \. \}\}\/\{\{ end \}\}docs\/operations\.md#(alert-[a-z]+)$/.exec(
        a.runbook_url ?? '',
      )?.[1];
    assert.ok(anchor, `${alert.alert}: runbook_url is a section of docs/operations.md: ${a.runbook_url}`);
    assert.ok(operations.includes(`<a id="${anchor}"></a>`), `docs/operations.md has the section #${anchor}`);

    const panelId = Number(
      /^\{\{ \$externalLabels\.grafana_url \}\}\/d\/([\w-]+)\/[\w-]+\?viewPanel=(\d+)$/.exec(
        a.dashboard_url ?? '',
      )?.[2],
    );
    assert.ok(a.dashboard_url?.includes(`/d/${dashboard.uid}/`), `${alert.alert}: ${a.dashboard_url}`);
    const panel = dashboard.panels.find((p) => p.id === panelId);
    assert.ok(panel, `${alert.alert}: the dashboard has panel ${panelId}`);
    // The panel shows what the alert reads.
    const metric = /\b(?:traces_span_metrics|mlx)_[a-z_]+/.exec(alert.expr)![0];
    assert.ok(
      panel.targets?.some((t) => t.expr?.includes(metric)),
      `${alert.alert}: panel ${panelId} plots ${metric}`,
    );

    assert.match(
      a.trace_search ?? '',
      /^\{ (resource\.service\.name = "\{\{ \$labels\.service_name \}\}" && )?name = "mlx\.[a-z.]+"/,
    );
    if (/traces_span_metrics_/.test(alert.expr)) {
      assert.match(a.trace_search ?? '', /resource\.service\.name = "\{\{ \$labels\.service_name \}\}"/);
    }
    assert.match(a.trace_search_cli ?? '', /^mlx-jobs traces /);
    if (/mlx_dead_letters/.test(alert.expr)) {
      // Parked jobs are runs in Temporal: the link opens them in the Temporal UI.
      assert.match(
        a.parked_jobs_url ?? '',
        /^\{\{ \$externalLabels\.temporal_ui_url \}\}\/namespaces\/default\/workflows\?query=MlxDeadLetter%3Dtrue/,
      );
    }
    assert.match(a.trace_search_url ?? '', /^\{\{ \$externalLabels\.grafana_url \}\}\/explore\?left=/);
    assert.equal(
      exploreQuery(a.trace_search_url ?? ''),
      (a.trace_search ?? '').replace(/\{\{ \$labels\.\w+ \}\}/g, 'X'),
      `${alert.alert}: the Grafana link opens the alert's TraceQL`,
    );
  }
});
