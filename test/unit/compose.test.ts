import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { isWorkerSetting, loadClientConfig, loadWorkerConfig } from '../../src/config';
import { SPAN_METRICS_CONNECTOR } from '../../src/dev/span-metrics';
import { DISPATCH_SETTINGS } from '../../src/dev/temporal-dev-server';
import { jaegerPath } from '../../src/dev/jaeger';
import { jaegerUiConfig } from '../../src/dev/jaeger-ui-config';
import { temporalUiLink } from '../../src/client-library';

// No Docker engine runs here: the file is validated offline by docker-compose (installed by
// ensure-tools.sh), the configurations it mounts by parsing them and following their references. Tempo
// and Grafana cannot run here; their metric names are checked against a real scrape in
// test/integration/metrics.test.ts.
const root = join(__dirname, '..', '..');
/** What an operator must provide: compose ships none of it. */
const keysFile = join(mkdtempSync(join(tmpdir(), 'mlx-compose-')), 'payload-keys');
writeFileSync(keysFile, `2026-12=${randomBytes(32).toString('base64')}\n`);
const OPERATOR_ENV = {
  MLX_WEBHOOK_SECRET: 'operator-webhook-secret-0123456789',
  MLX_REDIS_PASSWORD: 'operator-redis-password-42',
  MLX_PAYLOAD_KEYS_HOST_FILE: keysFile,
  GRAFANA_ADMIN_PASSWORD: 'operator-grafana-password',
  MLX_CODEC_SERVER_TOKEN: 'operator-codec-token-0123456789',
};
const composeWith = (env: NodeJS.ProcessEnv, files: string[], ...args: string[]) =>
  execFileSync('docker-compose', [...files.flatMap((f) => ['-f', join(root, f)]), ...args], {
    cwd: root,
    encoding: 'utf8',
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
const compose = (...args: string[]) =>
  composeWith({ ...process.env, ...OPERATOR_ENV }, ['docker-compose.yml'], ...args);

interface Service {
  image?: string;
  build?: unknown;
  environment?: Record<string, string | null>;
  command?: string[] | string;
  volumes?: string[];
  ports?: string[];
}
// docker-compose takes seconds to start: the file as it renders it, rendered once for the whole file.
let renderedText: string | undefined;
const renderedConfig = () => parse((renderedText ??= compose('config'))) as unknown;
const rendered = (): Record<string, Service> =>
  (renderedConfig() as { services: Record<string, Service> }).services;
const secretFile = (name: string): string => {
  const { secrets } = renderedConfig() as { secrets: Record<string, { file: string }> };
  const file = secrets[name]?.file;
  assert.ok(file, `compose declares the secret ${name}`);
  return file;
};
/** The file with the opt-in that publishes the services without authentication. */
let publishedText: string | undefined;
const published = (): Record<string, Service> =>
  (
    parse(
      (publishedText ??= composeWith(
        { ...process.env, ...OPERATOR_ENV },
        ['docker-compose.yml', 'deploy/compose.publish.yml'],
        'config',
      )),
    ) as { services: Record<string, Service> }
  ).services;
const readYaml = (path: string) => parse(readFileSync(join(root, path), 'utf8')) as Record<string, unknown>;

test('docker-compose.yml is valid and has the production shape, every image pinned', () => {
  assert.doesNotThrow(() => compose('config', '-q'));
  const services = rendered();
  assert.deepEqual(Object.keys(services).sort(), [
    'alertmanager',
    'codec',
    'grafana',
    'otel-collector',
    'postgresql',
    'prometheus',
    'redis',
    'tempo',
    'temporal',
    'temporal-ui',
    'worker-1',
    'worker-2',
  ]);
  for (const [name, service] of Object.entries(services)) {
    assert.match(service.image ?? '', /:[0-9v][\w.-]*$/, `${name}: image pinned to a version`);
    assert.doesNotMatch(service.image ?? '', /:latest$/);
    for (const port of service.ports ?? []) {
      assert.match(String(port), /^127\.0\.0\.1:/, `${name} publishes ${String(port)} on loopback only`);
    }
  }
  assert.equal(services.temporal?.environment?.DB, 'postgres12', 'Temporal stores its state in PostgreSQL');
  assert.ok(
    services.prometheus?.command?.includes('--enable-feature=exemplar-storage,expand-external-labels'),
  );
});

test('every variable set on the workers is one the worker reads, and the worker accepts them', () => {
  const services = rendered();
  for (const name of ['worker-1', 'worker-2']) {
    const environment = services[name]?.environment ?? {};
    const unknown = Object.keys(environment).filter((key) => !isWorkerSetting(key));
    assert.deepEqual(unknown, [], `${name}: variables no configuration reads`);
    // The files compose mounts as secrets, read from where they are in the repository.
    const mounted = (v: string) =>
      v.replace(/^\/run\/secrets\/(.+)$/, (_m, name: string) => secretFile(name));
    const env = Object.fromEntries(Object.entries(environment).map(([k, v]) => [k, mounted(v ?? '')]));
    const config = loadWorkerConfig(env);
    assert.equal(config.temporal.connection.address, 'temporal:7233');
    assert.equal(config.workerId, name);
    assert.equal(
      config.redis?.url,
      `redis://:${OPERATOR_ENV.MLX_REDIS_PASSWORD}@redis:6379`,
      'the fleet shares its leases in Redis, with its password',
    );
    assert.ok(config.settingSecrets.includes(OPERATOR_ENV.MLX_REDIS_PASSWORD), 'and redacts the password');
    assert.equal(config.launcherUrl, undefined, 'an empty MLX_LAUNCHER_URL selects the embedded launcher');
    const { host, port, defaulted } = config.metrics;
    assert.deepEqual({ host, port, defaulted }, { host: '0.0.0.0', port: 9464, defaulted: false });
    const sdk = config.sdkMetrics;
    assert.deepEqual(
      { host: sdk.host, port: sdk.port },
      { host: '0.0.0.0', port: 9465 },
      'the SDK exporter too',
    );
    assert.equal(env.OTEL_EXPORTER_OTLP_ENDPOINT, 'http://otel-collector:4318', 'spans go to the Collector');
  }
});

test("the Temporal UI decodes payloads with the codec service, which admits only the UI's origin and its token", () => {
  const { codec, 'temporal-ui': ui } = rendered();
  const environment = codec?.environment ?? {};
  assert.deepEqual(codec?.command, ['mlx-jobs', 'codec-server']);
  const mounted = (v: string) => v.replace(/^\/run\/secrets\/(.+)$/, (_m, name: string) => secretFile(name));
  const config = loadClientConfig(
    Object.fromEntries(Object.entries(environment).map(([k, v]) => [k, mounted(v ?? '')])),
  );
  assert.equal(config.payload.keys.length, 1, "the workers' payload keys");
  assert.equal(config.payload.claimCheck.store, 'redis', "the workers' claim-check store, for large outputs");
  assert.equal(config.codecServer.token, OPERATOR_ENV.MLX_CODEC_SERVER_TOKEN);
  assert.equal(config.codecServer.host, '0.0.0.0', 'reachable from outside its container');
  // The UI calls it from the operator's browser, at the address published for it, with the cookie.
  const endpoint = ui?.environment?.TEMPORAL_CODEC_ENDPOINT;
  assert.equal(endpoint, config.codecServer.publicUrl);
  assert.equal(ui?.environment?.TEMPORAL_CODEC_INCLUDE_CREDENTIALS, 'true');
  const port = new URL(endpoint ?? '').port;
  assert.equal(String(config.codecServer.port), port);
  assert.deepEqual(published().codec?.ports, [`127.0.0.1:${port}:${port}/tcp`], 'published with the opt-in');
  // CORS admits the origin the UI is served from, and only it.
  const uiUrl = rendered().prometheus?.environment?.MLX_TEMPORAL_UI_URL ?? '';
  assert.deepEqual(config.codecServer.origins, [new URL(uiUrl).origin]);
});

test('Prometheus scrapes both workers and the span metrics, loads the alert rules and sends to Alertmanager', () => {
  const prometheus = readYaml('deploy/prometheus/prometheus.yml') as {
    global: { external_labels: Record<string, string> };
    rule_files: string[];
    scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
  };
  const targets = (job: string) =>
    prometheus.scrape_configs.find((c) => c.job_name === job)?.static_configs[0]?.targets;
  assert.deepEqual(targets('mlx-worker'), ['worker-1:9464', 'worker-2:9464']);
  assert.deepEqual(targets('temporal-sdk'), ['worker-1:9465', 'worker-2:9465']);
  assert.deepEqual(targets('mlx-span-metrics'), ['otel-collector:8889']);
  assert.deepEqual(prometheus.alerting.alertmanagers[0]?.static_configs[0]?.targets, ['alertmanager:9093']);
  // The links in the alerts: one setting each, expanded by Prometheus from its environment.
  assert.deepEqual(prometheus.global.external_labels, {
    grafana_url: '${MLX_GRAFANA_URL}',
    temporal_ui_url: '${MLX_TEMPORAL_UI_URL}',
    docs_url: '${MLX_DOCS_URL}',
  });
  const service = rendered().prometheus!;
  assert.ok(service.command?.includes('--enable-feature=exemplar-storage,expand-external-labels'));
  for (const value of Object.values(prometheus.global.external_labels)) {
    const variable = /^\$\{(\w+)\}$/.exec(value)?.[1] ?? '';
    assert.ok(variable in (service.environment ?? {}), `compose sets ${variable} for Prometheus`);
  }
  assert.deepEqual(prometheus.rule_files, ['rules/*.rules.yml']);
  const check = execFileSync(
    'promtool',
    ['check', 'config', join(root, 'deploy/prometheus/prometheus.yml')],
    { encoding: 'utf8' },
  );
  assert.match(check, /SUCCESS: 1 rule files found/);
  assert.ok(
    rendered().prometheus?.volumes?.some((v) => v.startsWith(`${root}/deploy/prometheus:/etc/prometheus`)),
  );
});

test('the Collector derives the span metrics as the tests do, passes the spans on to Tempo, and validates', () => {
  const collector = readYaml('deploy/otel-collector/config.yaml') as {
    connectors: { spanmetrics: Record<string, unknown> };
    exporters: Record<string, { endpoint: string }>;
    service: { pipelines: Record<string, { receivers: string[]; exporters: string[] }> };
  };
  const { metrics_flush_interval, ...connector } = collector.connectors.spanmetrics;
  assert.deepEqual(connector, SPAN_METRICS_CONNECTOR, 'the settings of src/dev/span-metrics.ts');
  assert.equal(metrics_flush_interval, '15s', 'flushed as often as Prometheus scrapes');
  assert.equal(collector.exporters['otlp/tempo']?.endpoint, 'tempo:4317');
  assert.equal(collector.exporters.prometheus?.endpoint, '0.0.0.0:8889');
  assert.deepEqual(collector.service.pipelines.traces?.exporters, ['otlp/tempo', 'spanmetrics']);
  assert.deepEqual(collector.service.pipelines['metrics/spanmetrics'], {
    receivers: ['spanmetrics'],
    exporters: ['prometheus'],
  });
  // Jaeger v2 is an OpenTelemetry Collector build with these components: it validates the file.
  execFileSync(jaegerPath(), ['validate', '--config', join(root, 'deploy/otel-collector/config.yaml')], {
    stdio: 'pipe',
  });
  const service = rendered()['otel-collector']!;
  assert.ok(service.volumes?.some((v) => v.endsWith(':/etc/otelcol/config.yaml:ro')));
  assert.ok(
    published()['otel-collector']?.ports?.some((p) => String(p).startsWith('127.0.0.1:4318:4318')),
    'the CLI on the host sends its spans here too (with the opt-in)',
  );
});

test('Alertmanager: the route groups by platform and delivers to the example webhook (amtool)', () => {
  const config = readYaml('deploy/alertmanager/alertmanager.yml') as {
    route: { receiver: string; group_by: string[] };
    receivers: { name: string; webhook_configs: { url: string }[] }[];
  };
  assert.deepEqual(config.route.group_by, ['alertname', 'platform']);
  assert.match(
    config.receivers.find((r) => r.name === config.route.receiver)?.webhook_configs[0]?.url ?? '',
    /^http/,
  );
  assert.match(
    execFileSync('amtool', ['check-config', join(root, 'deploy/alertmanager/alertmanager.yml')], {
      encoding: 'utf8',
    }),
    /SUCCESS/,
  );
  assert.ok(rendered().alertmanager?.volumes?.some((v) => v.endsWith(':/etc/alertmanager:ro')));
});

test('Tempo receives OTLP from the Collector and serves the query port Grafana reads', () => {
  const tempo = readYaml('deploy/tempo/tempo.yaml') as {
    server: { http_listen_port: number };
    distributor: { receivers: { otlp: { protocols: { grpc: { endpoint: string } } } } };
  };
  assert.equal(tempo.distributor.receivers.otlp.protocols.grpc.endpoint, '0.0.0.0:4317');
  assert.equal(tempo.server.http_listen_port, 3200);
  const tempoService = rendered().tempo;
  assert.ok(tempoService?.command?.includes('-config.file=/etc/tempo/tempo.yaml'));
  assert.ok(tempoService?.volumes?.some((v) => v.endsWith(':/etc/tempo/tempo.yaml:ro')));
});

test('Grafana: data sources link exemplars to Tempo and traces to metrics; dashboards use only them', () => {
  const { datasources } = readYaml('deploy/grafana/provisioning/datasources/datasources.yaml') as {
    datasources: { uid: string; type: string; url: string; jsonData: Record<string, unknown> }[];
  };
  const byUid = new Map(datasources.map((d) => [d.uid, d]));
  const prometheus = byUid.get('prometheus')!;
  const tempo = byUid.get('tempo')!;
  assert.equal(prometheus.url, 'http://prometheus:9090');
  assert.equal(tempo.url, 'http://tempo:3200');
  const exemplars = prometheus.jsonData.exemplarTraceIdDestinations as {
    name: string;
    datasourceUid: string;
  }[];
  assert.deepEqual(
    exemplars,
    [{ name: 'trace_id', datasourceUid: 'tempo' }],
    'the exemplar label the worker writes',
  );
  const toMetrics = tempo.jsonData.tracesToMetrics as { datasourceUid: string; queries: { query: string }[] };
  assert.ok(byUid.has(toMetrics.datasourceUid));
  for (const { query } of toMetrics.queries)
    assert.match(query, /\{\$\$__tags\}/, 'escaped for provisioning');

  const provider = readYaml('deploy/grafana/provisioning/dashboards/dashboards.yaml') as {
    providers: { options: { path: string } }[];
  };
  const mounted = rendered().grafana?.volumes ?? [];
  assert.ok(
    mounted.some((v) => v.endsWith(`:${provider.providers[0]!.options.path}:ro`)),
    'dashboards mounted',
  );
  const dir = join(root, 'deploy/grafana/dashboards');
  const dashboards = readdirSync(dir).filter((f) => f.endsWith('.json'));
  assert.ok(dashboards.length >= 1);
  const titles: string[] = [];
  for (const file of dashboards) {
    const dashboard = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
      uid: string;
      panels: {
        type: string;
        title: string;
        datasource?: { uid: string };
        targets?: { datasource?: { uid: string } }[];
      }[];
    };
    assert.ok(dashboard.uid);
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
      titles.push(panel.title);
      for (const ref of [panel.datasource, ...(panel.targets ?? []).map((t) => t.datasource)]) {
        assert.ok(ref && byUid.has(ref.uid), `${file} "${panel.title}" uses a provisioned data source`);
      }
    }
  }
  for (const topic of [
    /Job rate/,
    /Step p50 \/ p99/,
    /Failed jobs by type and platform/,
    /waiting/i,
    /Dead letter/,
    /Webhook/,
  ]) {
    assert.ok(
      titles.some((t) => topic.test(t)),
      `a panel for ${String(topic)}`,
    );
  }
});

test("Grafana: a span's link to its run in the Temporal UI (Tempo's correlation), as Jaeger's UI config has it", () => {
  const { datasources } = readYaml('deploy/grafana/provisioning/datasources/datasources.yaml') as {
    datasources: { uid: string; correlations?: Correlation[] }[];
  };
  interface Correlation {
    label: string;
    description: string;
    type: string;
    config: {
      field: string;
      target: { url: string };
      transformations: { type: string; field: string; expression: string; mapValue: string }[];
    };
  }
  const grafana = rendered().grafana!;
  assert.ok(Number(/:(\d+)\./.exec(grafana.image ?? '')?.[1]) >= 12, 'trace correlations need Grafana 12');
  const [link] = datasources.find((d) => d.uid === 'tempo')?.correlations ?? [];
  assert.ok(link, 'the Tempo data source has a correlation');
  assert.equal(link.type, 'external');
  assert.ok(link.label && link.description, 'Grafana reads both as strings');
  assert.equal(link.config.field, 'traceID');
  // Grafana expands ${VAR} from its environment when it provisions, `$$` being a literal `$`; then, per
  // span, each regex transformation reads its variable from the span's tags (as JSON), and the URL gets them.
  const env = grafana.environment ?? {};
  assert.equal(env.TEMPORAL_NAMESPACE, rendered()['worker-1']?.environment?.TEMPORAL_NAMESPACE);
  const provisioned = link.config.target.url
    .replace(/(?<!\$)\$\{(\w+)\}/g, (_, name: string) => String(env[name]))
    .replaceAll('$$', '$');
  const run = {
    workflow: 'mlx-job-orders-daily-2026-11-25T00:00:00Z',
    run: '0193a2c4-5b6d-7e8f-9a0b-1c2d3e4f5a6b',
  };
  const tags = JSON.stringify([
    { key: 'mlx.job_id', value: 'orders-daily-2026-11-25T00:00:00Z' },
    { key: 'temporal.workflow_id', value: run.workflow },
    { key: 'temporal.run_id', value: run.run },
    { key: 'mlx.worker_id', value: 'worker-1' },
  ]);
  const vars: Record<string, string> = {};
  for (const t of link.config.transformations) {
    assert.equal(t.type, 'regex');
    assert.equal(t.field, 'tags');
    for (const match of tags.matchAll(new RegExp(t.expression, 'gi')))
      vars[t.mapValue] = match[1] ?? match[0];
  }
  const url = provisioned.replace(/\$\{(\w+)\}/g, (_, name: string) => vars[name] ?? `<${name} missing>`);
  assert.equal(
    url,
    temporalUiLink(
      env.MLX_TEMPORAL_UI_URL ?? '',
      env.TEMPORAL_NAMESPACE ?? '',
      run.workflow,
      run.run,
    ).replaceAll('%3A', ':'),
  );
  assert.equal(rendered().prometheus?.environment?.MLX_TEMPORAL_UI_URL, env.MLX_TEMPORAL_UI_URL);
  // The same link for a Jaeger UI against this stack.
  assert.deepEqual(
    JSON.parse(readFileSync(join(root, 'deploy/jaeger/ui-config.json'), 'utf8')),
    jaegerUiConfig({ url: env.MLX_TEMPORAL_UI_URL ?? '', namespace: env.TEMPORAL_NAMESPACE ?? '' }),
  );
});

test('the compose stack mounts only files that exist', () => {
  for (const service of Object.values(rendered())) {
    for (const volume of service.volumes ?? []) {
      const source = volume.split(':')[0]!;
      if (source.startsWith('/')) assert.ok(existsSync(source), `${source} exists`);
    }
  }
});

test('the compose Temporal runs with the dispatch settings the dev server gets', () => {
  const temporal = rendered().temporal!;
  const path = temporal.environment?.DYNAMIC_CONFIG_FILE_PATH;
  assert.ok(path, 'DYNAMIC_CONFIG_FILE_PATH is set');
  const mount = (temporal.volumes ?? []).map(String).find((v) => v.includes(path));
  assert.ok(mount, `a volume provides ${path}`);
  const file = readYaml('deploy/temporal/dynamicconfig.yaml') as Record<string, { value: unknown }[]>;
  const values = Object.fromEntries(Object.entries(file).map(([key, [first]]) => [key, first?.value]));
  assert.deepEqual(values, DISPATCH_SETTINGS);
});

test('compose ships no secret and publishes nothing without a password unless the operator opts in', () => {
  // Each secret missing: compose refuses to start, naming it.
  for (const name of Object.keys(OPERATOR_ENV)) {
    const env: NodeJS.ProcessEnv = { ...process.env, ...OPERATOR_ENV };
    delete env[name];
    assert.throws(
      () => composeWith(env, ['docker-compose.yml'], 'config', '-q'),
      (err: { stderr?: string }) => String(err.stderr).includes(name),
      `without ${name}`,
    );
  }
  // The examples the repository once shipped are refused by the worker.
  const worker = (change: Record<string, string>) => () =>
    loadWorkerConfig({ MLX_WEBHOOK_SECRET: OPERATOR_ENV.MLX_WEBHOOK_SECRET, ...change });
  assert.throws(worker({ MLX_WEBHOOK_SECRET: 'compose-example-webhook-secret-change-me' }), /example/);
  assert.throws(
    worker({ MLX_PAYLOAD_KEYS: 'compose-example-1=tnnReXknhgIYPxBHPVsl2SinImN/Ls9rtqIQ4Ql2JVw=' }),
    /example/,
  );
  assert.doesNotMatch(readFileSync(join(root, 'deploy/payload-keys.example'), 'utf8'), /^[^#\s]+=/m);

  const services = rendered();
  assert.equal(services.grafana?.environment?.GF_AUTH_ANONYMOUS_ENABLED, 'false');
  assert.equal(services.grafana?.environment?.GF_AUTH_ANONYMOUS_ORG_ROLE, undefined);
  assert.ok(services.redis?.command?.includes('--requirepass'));
  assert.ok(services.redis?.command?.includes(OPERATOR_ENV.MLX_REDIS_PASSWORD));
  const publishing = Object.entries(services)
    .filter(([, service]) => (service.ports ?? []).length > 0)
    .map(([name]) => name)
    .sort();
  assert.deepEqual(publishing, ['grafana', 'redis'], 'only what asks for a password');
  // The opt-in publishes the rest, on loopback only.
  const opted = published();
  for (const name of [
    'temporal',
    'temporal-ui',
    'codec',
    'tempo',
    'otel-collector',
    'prometheus',
    'alertmanager',
  ]) {
    assert.ok((opted[name]?.ports ?? []).length > 0, `${name} published with the opt-in`);
    for (const port of opted[name]?.ports ?? []) {
      const text = typeof port === 'string' ? port : JSON.stringify(port);
      assert.match(text, /127\.0\.0\.1/, `${name} on loopback`);
    }
  }
});
