import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { ConfigError } from '../contract/config-error';
import type { Logger } from './log';
import { openMetricsToText, textToOpenMetrics } from './metrics-format';
import { collectProcessMetrics, metricsRegistry } from './metrics';

export interface MetricsServerOptions {
  host: string;
  /** 0: any free port (the bound one is in `url`). */
  port: number;
  /** The setting that chose host and port: named in the one line a port that cannot be had gets. */
  setting: string;
  /**
   * When the port is taken, serve on a free one instead and warn (the address was only the default, so
   * a second process on the host still starts); otherwise a taken port is a bad setting.
   */
  anyPortIfTaken?: boolean;
  /** Why the process is not ready to take work, or undefined when it is (/readyz). */
  notReady: () => string | undefined;
  /** More metrics in the Prometheus text format, served after ours (the Temporal SDK's). */
  more?: () => Promise<string>;
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
      const more = await options.more?.().catch((err: unknown) => {
        options.log.warn('could not read the Temporal SDK metrics', { error: err });
        return '';
      });
      if (!openMetrics) return openMetricsToText(ours) + (more ?? '');
      const body = ours.replace(/# EOF\n?$/, '');
      return `${body}${more ? textToOpenMetrics(more) + '\n' : ''}# EOF\n`;
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
  try {
    await listen(server, options.host, options.port);
  } catch (err) {
    const taken = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
    if (!taken || !options.anyPortIfTaken) throw listenFailure(err, options);
    await listen(server, options.host, 0);
    options.log.warn(
      `${options.setting} is not set and its default port ${options.port} is taken (another worker on this host?): serving on a free port; give each worker on a host its own ${options.setting} for Prometheus to find it`,
      { url: `http://${options.host}:${(server.address() as AddressInfo).port}` },
    );
  }
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function listen(server: ReturnType<typeof createServer>, host: string, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

const LISTEN_FAILURES: Record<string, string> = {
  EADDRINUSE: 'is in use (another worker on this host?): give each worker its own port',
  EACCES: 'needs privileges this process does not have: use a port above 1023',
  EADDRNOTAVAIL: 'is not an address of this host: use 127.0.0.1, 0.0.0.0 or one of its own',
  ENOTFOUND: 'names a host that cannot be resolved',
};

/** A port that cannot be had is a bad setting: one line naming it and what to do. */
function listenFailure(err: unknown, options: MetricsServerOptions): unknown {
  const why = LISTEN_FAILURES[(err as NodeJS.ErrnoException).code ?? ''];
  if (!why) return err;
  const address = `${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`;
  return new ConfigError(`bad setting ${options.setting}: ${address} ${why}`);
}
