import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Registry } from 'prom-client';
import { hostPort, listenOnSetting, type SettingAddress } from './listen';
import type { Logger } from './log';
import { openMetricsToText } from './metrics-format';
import { collectProcessMetrics, metricsRegistry } from './metrics';

export interface MetricsServerOptions extends SettingAddress {
  /** Why the process is not ready to take work, or undefined when it is (/readyz). */
  notReady: () => string | undefined;
  log: Logger;
}

export interface MetricsServer {
  /** http://host:port */
  url: string;
  close(): Promise<void>;
}

const TEXT_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;
const OPENMETRICS_CONTENT_TYPE = Registry.OPENMETRICS_CONTENT_TYPE;

/** Whether the scraper accepts OpenMetrics (Prometheus asks for it first; exemplars need it). */
export function wantsOpenMetrics(accept: string | undefined): boolean {
  return (accept ?? '')
    .split(',')
    .some(
      (part) => part.trim().startsWith('application/openmetrics-text') && !/;\s*q=0(\.0*)?\s*$/.test(part),
    );
}

/**
 * GET /metrics (OpenMetrics with exemplars when the scraper accepts it, else the Prometheus text
 * format), GET /healthz (the process answers), GET /readyz (503 with the reason until the worker polls).
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  collectProcessMetrics();
  // One scrape at a time: the gauges are reset and refilled while they are collected.
  let collecting: Promise<unknown> = Promise.resolve();
  const scrape = (openMetrics: boolean): Promise<string> => {
    const next = collecting.then(async () => {
      const ours = await metricsRegistry.metrics();
      return openMetrics ? ours : openMetricsToText(ours);
    });
    collecting = next.catch(() => undefined);
    return next;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      const openMetrics = wantsOpenMetrics(req.headers.accept);
      const body = await scrape(openMetrics);
      res.writeHead(200, { 'content-type': openMetrics ? OPENMETRICS_CONTENT_TYPE : TEXT_CONTENT_TYPE });
      res.end(req.method === 'HEAD' ? undefined : body);
    } else if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      const reason = options.notReady();
      res
        .writeHead(reason ? 503 : 200, { 'content-type': 'text/plain' })
        .end(reason ? `${reason}\n` : 'ready\n');
    } else {
      res
        .writeHead(404, { 'content-type': 'text/plain' })
        .end('not found: try /metrics, /healthz, /readyz\n');
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      options.log.error('metrics request failed', { error: err, path: req.url });
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  const port = await listenOnSetting(server, options, options.log);
  return {
    url: `http://${hostPort(options.host, port)}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
