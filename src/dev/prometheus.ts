import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { freePort } from './free-port';
import { spawnServer } from './spawn-server';
import { retryWhenExitedDuringStart, waitUntilServing } from './wait-ready';

export interface LocalPrometheus {
  url: string;
  /** Exemplars Prometheus holds for the series `query` selects, over the last hour. */
  exemplars(query: string): Promise<PrometheusExemplar[]>;
  /** The alerts pending or firing now (its /api/v1/alerts). */
  alerts(): Promise<PrometheusAlert[]>;
  stop(): Promise<void>;
}

export interface PrometheusAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: string;
}

const AlertsResponse = z.object({
  status: z.literal('success'),
  data: z.object({
    alerts: z.array(
      z.object({
        labels: z.record(z.string(), z.string()),
        annotations: z.record(z.string(), z.string()),
        state: z.string(),
      }),
    ),
  }),
});

export interface PrometheusExemplar {
  series: Record<string, string>;
  labels: Record<string, string>;
  value: number;
  timestamp: number;
}

const ExemplarsResponse = z.object({
  status: z.literal('success'),
  data: z.array(
    z.object({
      seriesLabels: z.record(z.string(), z.string()),
      exemplars: z.array(
        z.object({ labels: z.record(z.string(), z.string()), value: z.string(), timestamp: z.number() }),
      ),
    }),
  ),
});

/**
 * Debian's Prometheus (installed by scripts/ensure-tools.sh) on a free loopback port, with exemplar
 * storage on, scraping `targets` (host:port, job mlx-worker), `sdkTargets` (job temporal-sdk) and
 * `spanMetricsTargets` (job mlx-span-metrics) every `scrapeIntervalMs`; its data in a temporary directory removed on stop. Started
 * again on another port when its port was taken before it bound it.
 */
export function startPrometheus(options: PrometheusOptions): Promise<LocalPrometheus> {
  return retryWhenExitedDuringStart(() => startPrometheusOnce(options));
}

interface PrometheusOptions {
  targets: string[];
  /** The Temporal SDK's own metrics of those workers (MLX_SDK_METRICS_ADDRESS). */
  sdkTargets?: string[];
  /** The span metrics (Jaeger's spanmetrics connector, ./jaeger.ts). */
  spanMetricsTargets?: string[];
  /** How often it scrapes and evaluates its rules; 1 s by default. */
  scrapeIntervalMs?: number;
  /** Rule files to load, as absolute paths. */
  ruleFiles?: string[];
  /** Alertmanagers (host:port) to send firing alerts to. */
  alertmanagers?: string[];
  /** Labels of this Prometheus, which the alert rules' links read (grafana_url, docs_url ...). */
  externalLabels?: Record<string, string>;
  binary?: string;
  timeoutMs?: number;
}

async function startPrometheusOnce(options: PrometheusOptions): Promise<LocalPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'mlx-prometheus-'));
  const interval = `${options.scrapeIntervalMs ?? 1000}ms`;
  const config = join(dir, 'prometheus.yml');
  const jobs = {
    'mlx-worker': options.targets,
    'temporal-sdk': options.sdkTargets ?? [],
    'mlx-span-metrics': options.spanMetricsTargets ?? [],
  };
  writeFileSync(
    config,
    JSON.stringify({
      global: {
        scrape_interval: interval,
        evaluation_interval: interval,
        external_labels: options.externalLabels ?? {},
      },
      rule_files: options.ruleFiles ?? [],
      scrape_configs: Object.entries(jobs)
        .filter(([, targets]) => targets.length)
        .map(([job_name, targets]) => ({ job_name, static_configs: [{ targets }] })),
      alerting: { alertmanagers: [{ static_configs: [{ targets: options.alertmanagers ?? [] }] }] },
    }),
  );
  const port = await freePort();
  const { child, stderr, stop } = spawnServer(
    options.binary ?? 'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--enable-feature=exemplar-storage',
      '--log.level=warn',
    ],
    dir,
  );
  const url = `http://127.0.0.1:${port}`;
  await waitUntilServing({
    name: 'Prometheus',
    child,
    readyUrl: `${url}/-/ready`,
    stderr,
    stop,
    timeoutMs: options.timeoutMs ?? 30_000,
  });
  return {
    url,
    async exemplars(query) {
      const end = Date.now() / 1000;
      const params = new URLSearchParams({ query, start: String(end - 3600), end: String(end + 60) });
      const response = await fetch(`${url}/api/v1/query_exemplars?${params}`);
      const body = ExemplarsResponse.parse(await response.json());
      return body.data.flatMap((series) =>
        series.exemplars.map((e) => ({
          series: series.seriesLabels,
          labels: e.labels,
          value: Number(e.value),
          timestamp: e.timestamp,
        })),
      );
    },
    async alerts() {
      const response = await fetch(`${url}/api/v1/alerts`);
      return AlertsResponse.parse(await response.json()).data.alerts;
    },
    stop,
  };
}
