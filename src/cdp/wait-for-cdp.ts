import { get } from 'node:http';
import { z } from 'zod';
import { failure } from '../contract';

export interface WaitForCdpOptions {
  host?: string;
  timeoutMs?: number;
  intervalMs?: number;
  signal?: AbortSignal;
}

export interface CdpEndpoint {
  browserVersion: string;
  webSocketDebuggerUrl: string;
}

const jsonVersionSchema = z.looseObject({
  Browser: z.string().min(1),
  webSocketDebuggerUrl: z.string().min(1),
  'Protocol-Version': z.string().optional(),
  'User-Agent': z.string().optional(),
  'V8-Version': z.string().optional(),
  'WebKit-Version': z.string().optional(),
});

/** No single probe may outlast this, so one hung connection cannot eat the whole wait. */
const MAX_PROBE_MS = 2_000;
/** Nor is a probe started with less time left than this. */
const MIN_PROBE_MS = 50;
/** /json/version is a few hundred bytes; a body past this is not a browser's. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * Polls `http://host:port/json/version` until the browser answers with a CDP endpoint. A browser may not
 * listen yet right after its start. Aborting `signal` rethrows its reason (a cancellation, not a failure).
 */
export async function waitForCdp(port: number, options: WaitForCdpOptions = {}): Promise<CdpEndpoint> {
  const { host = '127.0.0.1', timeoutMs = 15_000, intervalMs = 200, signal } = options;
  const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no attempt made';
  let attempts = 0;

  for (;;) {
    signal?.throwIfAborted();
    attempts += 1;
    const probeMs = Math.max(1, Math.min(MAX_PROBE_MS, deadline - Date.now()));
    try {
      const probeSignal = signal
        ? AbortSignal.any([signal, AbortSignal.timeout(probeMs)])
        : AbortSignal.timeout(probeMs);
      const { status, body } = await getOnce(`http://${address}/json/version`, probeSignal);
      if (status < 200 || status > 299) throw new Error(`HTTP ${status}`);
      const parsed = jsonVersionSchema.safeParse(JSON.parse(body));
      if (parsed.success) {
        return {
          browserVersion: parsed.data.Browser,
          webSocketDebuggerUrl: parsed.data.webSocketDebuggerUrl,
        };
      }
      lastError = `unexpected /json/version body: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
    } catch (err) {
      signal?.throwIfAborted();
      lastError = describe(err);
    }

    const remaining = deadline - Date.now();
    if (remaining > 0) await sleep(Math.min(intervalMs, remaining), signal);
    // A probe squeezed into the last milliseconds could only time out, and would hide the real error.
    if (deadline - Date.now() < MIN_PROBE_MS) {
      throw failure('CdpUnreachable', `no CDP endpoint at ${address} after ${timeoutMs} ms: ${lastError}`, {
        details: { host, port, timeout_ms: timeoutMs, attempts, last_error: lastError },
      });
    }
  }
}

/**
 * One GET on a connection of its own. Not fetch: its global dispatcher keeps a connection pool for every
 * origin it has talked to, for the life of the process (about 24 KB each), and every browser listens on
 * a new port, so a worker's heap grew with every job it ran.
 */
function getOnce(url: string, signal: AbortSignal): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = get(url, { agent: false, signal }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
        if (body.length > MAX_BODY_BYTES)
          request.destroy(new Error(`body larger than ${MAX_BODY_BYTES} bytes`));
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? err.cause : undefined;
  if (err.name === 'TimeoutError' || cause?.name === 'TimeoutError') return 'probe timed out';
  return cause ? `${err.message}: ${cause.message}` : err.message;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
