import { createServer, type IncomingMessage } from 'node:http';
import { propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
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
  options: { host?: string; port?: number; log?: Logger; tracer?: Tracer } = {},
): Promise<WebhookReceiver> {
  const log = options.log ?? silentLogger;
  const received: WebhookDelivery[] = [];
  const waiters = new Set<() => void>();

  const server = createServer((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    // Continue the sender's trace (W3C traceparent) in this receiver's own service.
    const span = options.tracer?.startSpan(
      'mlx.webhook.receive',
      { kind: SpanKind.SERVER },
      propagation.extract(ROOT_CONTEXT, req.headers),
    );
    readJson(req).then(
      (body) => {
        const jobId = (body as { job_id?: unknown }).job_id;
        span?.setAttributes({
          'mlx.job_id': String(jobId),
          'mlx.webhook.status': String((body as { status?: unknown }).status),
        });
        received.push({ received_at: new Date().toISOString(), headers: flatHeaders(req), body });
        log.info('webhook received', { job_id: jobId });
        res.writeHead(204).end();
        span?.end();
        for (const wake of waiters) wake();
      },
      (err: Error) => {
        span?.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
        span?.end();
        res.writeHead(400, { 'content-type': 'text/plain' }).end(err.message);
      },
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
