import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { freePort } from './free-port';
import { tiedToParent } from './tied-to-parent';
import { retryWhenExitedDuringStart, waitUntilServing } from './wait-ready';

export interface LocalPrometheus {
  url: string;
  /** Exemplars Prometheus holds for the series `query` selects, over the last hour. */
  exemplars(query: string): Promise<PrometheusExemplar[]>;
  stop(): Promise<void>;
}

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
 * storage on, scraping `targets` (host:port) every `scrapeIntervalS` seconds; its data in a temporary
 * directory removed on stop. Started again on another port when its port was taken before it bound it.
 */
export function startPrometheus(options: PrometheusOptions): Promise<LocalPrometheus> {
  return retryWhenExitedDuringStart(() => startPrometheusOnce(options));
}

interface PrometheusOptions {
  targets: string[];
  scrapeIntervalS?: number;
  /** Rule files to load, as absolute paths. */
  ruleFiles?: string[];
  binary?: string;
  timeoutMs?: number;
}

async function startPrometheusOnce(options: PrometheusOptions): Promise<LocalPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'mlx-prometheus-'));
  const interval = `${options.scrapeIntervalS ?? 1}s`;
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    JSON.stringify({
      global: { scrape_interval: interval, evaluation_interval: interval },
      rule_files: options.ruleFiles ?? [],
      scrape_configs: [{ job_name: 'mlx-worker', static_configs: [{ targets: options.targets }] }],
    }),
  );
  const port = await freePort();
  const server = tiedToParent(options.binary ?? 'prometheus', [
    `--config.file=${config}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--enable-feature=exemplar-storage',
    '--log.level=warn',
  ]);
  const child = spawn(server.command, server.args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('error', (err) => (stderr += String(err)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  await waitUntilServing({
    name: 'Prometheus',
    child,
    readyUrl: `${url}/-/ready`,
    stderr: () => stderr,
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
    stop,
  };
}
