import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger, type Logger } from '../log';

export interface WebhookDelivery {
  received_at: string;
  headers: Record<string, string>;
  body: unknown;
}

export interface WebhookReceiver {
  /** POST deliveries here (any path). */
  url: string;
  deliveries(): WebhookDelivery[];
  /** Resolves with the first delivery whose body has this job_id. */
  waitFor(jobId: string, timeoutMs?: number): Promise<WebhookDelivery>;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 5 * 1024 * 1024;

/** The example receiver an integrator would run: accepts JSON job reports and keeps them in memory. */
export async function startWebhookReceiver(
  options: { host?: string; port?: number; log?: Logger } = {},
): Promise<WebhookReceiver> {
  const log = options.log ?? silentLogger;
  const received: WebhookDelivery[] = [];
  const waiters = new Set<() => void>();

  const server = createServer((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    readJson(req).then(
      (body) => {
        received.push({ received_at: new Date().toISOString(), headers: flatHeaders(req), body });
        log.info('webhook received', { job_id: (body as { job_id?: unknown }).job_id });
        res.writeHead(204).end();
        for (const wake of waiters) wake();
      },
      (err: Error) => res.writeHead(400, { 'content-type': 'text/plain' }).end(err.message),
    );
  });
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const { port } = server.address() as AddressInfo;

  const find = (jobId: string) => received.find((d) => (d.body as { job_id?: unknown }).job_id === jobId);
  return {
    url: `http://127.0.0.1:${port}/webhooks/mlx-jobs`,
    deliveries: () => [...received],
    waitFor(jobId, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = find(jobId);
          if (!found) return;
          cleanup();
          resolve(found);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no webhook for job ${jobId} within ${timeoutMs} ms`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  return Object.fromEntries(
    Object.entries(req.headers).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.join(', ') : (value ?? ''),
    ]),
  );
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new Error('body is not JSON');
  }
}
