import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';

const rules = join(__dirname, '..', '..', 'deploy', 'prometheus', 'rules');
const promtool = (...args: string[]) => execFileSync('promtool', args, { encoding: 'utf8', cwd: rules });

interface Rule {
  alert: string;
  expr: string;
  annotations: Record<string, string>;
}

const alerts = (
  parse(readFileSync(join(rules, 'mlx-jobs.rules.yml'), 'utf8')) as { groups: { rules: Rule[] }[] }
).groups.flatMap((g) => g.rules);

test('the alert rules are valid Prometheus rules (promtool check rules)', () => {
  assert.match(promtool('check', 'rules', 'mlx-jobs.rules.yml'), /SUCCESS: 5 rules found/);
});

test("promtool's unit tests of the rules pass: each alert fires on its pattern and stays quiet otherwise", () => {
  assert.match(promtool('test', 'rules', 'mlx-jobs.rules.test.yml'), /SUCCESS/);
});

test("the recipe's alert patterns are all there, each with a summary, a runbook line and a trace search", () => {
  assert.deepEqual(alerts.map((a) => a.alert).sort(), [
    'MlxCdpConnectErrorsSpike',
    'MlxDeadLettersGrowing',
    'MlxProfileStartSlow',
    'MlxTaskFailingWithLease',
    'MlxWebhookFailuresFeedingDeadLetters',
  ]);
  const operations = readFileSync(join(__dirname, '..', '..', 'docs', 'operations.md'), 'utf8');
  for (const alert of alerts) {
    const { summary, runbook, runbook_doc, trace_search, trace_search_cli, trace_search_url } =
      alert.annotations;
    assert.ok(summary && runbook, `${alert.alert}: summary and runbook`);
    assert.match(trace_search ?? '', /^\{ resource\.service\.name = "mlx-worker" && name = "mlx\.[a-z.]+"/);
    assert.match(trace_search_cli ?? '', /^mlx-jobs traces /);
    assert.match(trace_search_url ?? '', /^http:\/\/127\.0\.0\.1:3000\/explore\?left=/);
    // Prometheus templates the platform in, so the link still decodes to the alert's TraceQL.
    const decoded = decodeURIComponent(
      (trace_search_url ?? '').replace('{{ $labels.platform | urlquery }}', 'X'),
    );
    const query = (JSON.parse(decoded.slice(decoded.indexOf('{'))) as { queries: { query: string }[] })
      .queries[0]!.query;
    assert.equal(query, (trace_search ?? '').replace('{{ $labels.platform }}', 'X'));
    const anchor = (runbook_doc ?? '').split('#')[1] ?? '';
    assert.ok(
      operations.includes(`<a id="${anchor}"></a>`),
      `${alert.alert}: docs/operations.md has the runbook section #${anchor}`,
    );
  }
});
