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
      const response = await fetch(`http://${address}/json/version`, { signal: probeSignal });
      const body = await response.text();
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
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
    if (remaining <= 0) {
      throw failure('CdpUnreachable', `no CDP endpoint at ${address} after ${timeoutMs} ms: ${lastError}`, {
        details: { host, port, timeout_ms: timeoutMs, attempts, last_error: lastError },
      });
    }
    await sleep(Math.min(intervalMs, remaining), signal);
  }
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name === 'TimeoutError') return 'probe timed out';
  const cause = err.cause instanceof Error ? err.cause : undefined;
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
