import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { silentLogger, type Logger } from '../telemetry';
import { verifyWebhook } from '../webhooks';

export interface WebhookDelivery {
  received_at: string;
  headers: Record<string, string>;
  body: unknown;
}

export interface WebhookReceiverOptions {
  host?: string;
  port?: number;
  log?: Logger;
  /** Continues the sender's trace in this receiver's own service. */
  tracer?: Tracer;
  /**
   * When set, deliveries must carry a valid HMAC-SHA256 signature (of timestamp, idempotency key and
   * body) with a fresh timestamp; during a rotation give both secrets, the new one first.
   */
  secret?: string | readonly string[];
  toleranceSec?: number;
}

export interface WebhookReceiver {
  /** POST deliveries here (any path). */
  url: string;
  /** Accepted deliveries, each idempotency key once. */
  deliveries(): WebhookDelivery[];
  /** Every verified delivery that arrived, repeats of an idempotency key included. */
  arrivals(): WebhookDelivery[];
  /** Resolves with the first delivery whose body has this job_id. */
  waitFor(jobId: string, timeoutMs?: number): Promise<WebhookDelivery>;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 5 * 1024 * 1024;

class Refused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The example receiver an integrator would run: verifies the signature and timestamp, drops repeats of
 * an idempotency key (answering 200 so the sender stops), keeps accepted job reports in memory.
 */
export async function startWebhookReceiver(options: WebhookReceiverOptions = {}): Promise<WebhookReceiver> {
  const log = options.log ?? silentLogger;
  const received: WebhookDelivery[] = [];
  const arrived: WebhookDelivery[] = [];
  const seenKeys = new Set<string>();
  const waiters = new Set<() => void>();

  const accept = (req: IncomingMessage, raw: string): 'accepted' | 'duplicate' => {
    const headers = flatHeaders(req);
    if (options.secret) {
      const verdict = verifyWebhook(options.secret, headers, raw, { toleranceSec: options.toleranceSec });
      if (!verdict.ok) throw new Refused(401, verdict.reason);
    }
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      throw new Refused(400, 'body is not JSON');
    }
    const delivery = { received_at: new Date().toISOString(), headers, body };
    arrived.push(delivery);
    const key = headers['idempotency-key'];
    if (key && seenKeys.has(key)) return 'duplicate';
    if (key) seenKeys.add(key);
    received.push(delivery);
    log.info('webhook received', { job_id: (body as { job_id?: unknown }).job_id });
    return 'accepted';
  };

  const server = createServer((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    const span = options.tracer?.startSpan(
      'mlx.webhook.receive',
      { kind: SpanKind.SERVER },
      propagation.extract(ROOT_CONTEXT, req.headers),
    );
    readBody(req)
      .then((raw) => {
        const outcome = accept(req, raw);
        const body = received.at(-1)?.body as { job_id?: unknown; status?: unknown } | undefined;
        span?.setAttributes({
          'mlx.webhook.outcome': outcome,
          ...(outcome === 'accepted' && {
            'mlx.job_id': String(body?.job_id),
            'mlx.webhook.status': String(body?.status),
          }),
        });
        if (outcome === 'duplicate')
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"duplicate":true}');
        else res.writeHead(204).end();
        for (const wake of waiters) wake();
      })
      .catch((err: Error) => {
        const status = err instanceof Refused ? err.status : 400;
        log.warn('webhook refused', { status, reason: err.message });
        span?.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(err.message);
      })
      .finally(() => span?.end());
  });
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const { port } = server.address() as AddressInfo;

  const find = (jobId: string) => received.find((d) => (d.body as { job_id?: unknown }).job_id === jobId);
  return {
    url: `http://127.0.0.1:${port}/webhooks/mlx-jobs`,
    deliveries: () => [...received],
    arrivals: () => [...arrived],
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

async function readBody(req: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Refused(413, 'body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
