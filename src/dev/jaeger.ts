import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';
import { jaegerUiConfig, type TemporalUiTarget } from './jaeger-ui-config';
import { spanMetricsConnector } from './span-metrics';
import { tiedToParent } from './tied-to-parent';
import { toolsCacheDir } from './tool-paths';
import { retryWhenExitedDuringStart, waitUntilServing } from './wait-ready';

/**
 * Jaeger v2 all-in-one for the tests and the demo. Must match JAEGER_MODULE_VERSION in
 * scripts/ensure-tools.sh, which builds and caches it (without its web UI: read traces through its API).
 */
const JAEGER_MODULE_VERSION = 'v1.76.0';

export interface Jaeger {
  otlpGrpcEndpoint: string;
  otlpHttpEndpoint: string;
  queryUrl: string;
  /** host:port of the span metrics for Prometheus to scrape, when started with `spanMetrics`. */
  spanMetricsTarget?: string;
  stop(): Promise<void>;
}

export interface JaegerOptions {
  timeoutMs?: number;
  /** Also derive metrics from the spans (./span-metrics.ts), flushed every second. */
  spanMetrics?: boolean;
  /** Link the runs spans name to this Temporal UI (the UI config's link patterns, ./jaeger-ui-config.ts). */
  temporalUi?: TemporalUiTarget;
}

export function jaegerPath(): string {
  if (process.env.JAEGER_PATH) return process.env.JAEGER_PATH;
  const path = join(toolsCacheDir(), `jaeger-${JAEGER_MODULE_VERSION}`, 'jaeger');
  if (!existsSync(path)) throw new Error(`Jaeger not found at ${path}: run scripts/ensure-tools.sh`);
  return path;
}

/** All-in-one, in-memory storage, every listener on 127.0.0.1 on a free port. */
function config(spanMetrics: boolean, uiConfigFile?: string): string {
  const traceExporters = spanMetrics ? '[jaeger_storage_exporter, spanmetrics]' : '[jaeger_storage_exporter]';
  return `
service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines:
    traces: { receivers: [otlp], processors: [batch], exporters: ${traceExporters} }
${spanMetrics ? '    metrics/spanmetrics: { receivers: [spanmetrics], exporters: [prometheus] }' : ''}
  telemetry:
    metrics: { level: none }
    logs: { level: warn }
extensions:
  jaeger_storage:
    backends: { mem: { memory: { max_traces: 10000 } } }
  jaeger_query:
    storage: { traces: mem }
    enable_tracing: false
${uiConfigFile ? `    ui: { config_file: ${JSON.stringify(uiConfigFile)} }\n` : ''}    http: { endpoint: "127.0.0.1:\${env:JAEGER_QUERY_HTTP_PORT}" }
    grpc: { endpoint: "127.0.0.1:\${env:JAEGER_QUERY_GRPC_PORT}" }
  healthcheckv2:
    use_v2: true
    http: { endpoint: "127.0.0.1:\${env:JAEGER_HEALTH_PORT}" }
receivers:
  otlp:
    protocols:
      grpc: { endpoint: "127.0.0.1:\${env:JAEGER_OTLP_GRPC_PORT}" }
      http: { endpoint: "127.0.0.1:\${env:JAEGER_OTLP_HTTP_PORT}" }
processors:
  batch: { timeout: 200ms }
exporters:
  jaeger_storage_exporter: { trace_storage: mem }
${
  spanMetrics
    ? `  prometheus: { endpoint: "127.0.0.1:\${env:JAEGER_SPAN_METRICS_PORT}", enable_open_metrics: true }
connectors:
  spanmetrics: ${JSON.stringify(spanMetricsConnector(1))}`
    : ''
}
`;
}

/** Jaeger on free ports (picked again when one was taken before Jaeger bound it). */
export function startJaeger(options: JaegerOptions = {}): Promise<Jaeger> {
  return retryWhenExitedDuringStart(() => startJaegerOnce(options));
}

async function startJaegerOnce({
  timeoutMs = 30_000,
  spanMetrics = false,
  temporalUi,
}: JaegerOptions): Promise<Jaeger> {
  const dir = mkdtempSync(join(tmpdir(), 'mlx-jaeger-'));
  const configFile = join(dir, 'jaeger.yaml');
  const uiConfigFile = temporalUi && join(dir, 'ui-config.json');
  if (uiConfigFile) writeFileSync(uiConfigFile, JSON.stringify(jaegerUiConfig(temporalUi)));
  writeFileSync(configFile, config(spanMetrics, uiConfigFile));
  const ports: Record<string, number> = {
    JAEGER_OTLP_GRPC_PORT: await freePort(),
    JAEGER_OTLP_HTTP_PORT: await freePort(),
    JAEGER_QUERY_HTTP_PORT: await freePort(),
    JAEGER_QUERY_GRPC_PORT: await freePort(),
    JAEGER_HEALTH_PORT: await freePort(),
    ...(spanMetrics && { JAEGER_SPAN_METRICS_PORT: await freePort() }),
  };
  const server = tiedToParent(jaegerPath(), ['--config', configFile]);
  const child = spawn(server.command, server.args, {
    env: { ...process.env, ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const queryUrl = `http://127.0.0.1:${ports.JAEGER_QUERY_HTTP_PORT}`;
  // 200 only once every component, the OTLP receivers included, has started.
  const readyUrl = `http://127.0.0.1:${ports.JAEGER_HEALTH_PORT}/status`;
  await waitUntilServing({ name: 'Jaeger', child, readyUrl, stderr: () => stderr, stop, timeoutMs });
  return {
    otlpGrpcEndpoint: `http://127.0.0.1:${ports.JAEGER_OTLP_GRPC_PORT}`,
    otlpHttpEndpoint: `http://127.0.0.1:${ports.JAEGER_OTLP_HTTP_PORT}`,
    queryUrl,
    ...(spanMetrics && { spanMetricsTarget: `127.0.0.1:${ports.JAEGER_SPAN_METRICS_PORT}` }),
    stop,
  };
}
