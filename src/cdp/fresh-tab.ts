import { setTimeout } from 'node:timers/promises';
import { z } from 'zod';

/** How often the tabs are listed while the old ones close. */
const CLOSE_POLL_MS = 10;

const targetsSchema = z.array(z.looseObject({ id: z.string(), type: z.string() }));
const targetSchema = z.looseObject({ id: z.string() });

/**
 * Gives a running browser one fresh, blank tab and closes its other pages (cookies and storage stay),
 * over CDP's HTTP endpoints: a few milliseconds, no Playwright attach. Throws when the browser does not
 * answer within `timeoutMs`, or answers with anything but what a browser would.
 */
export async function openFreshTab(
  host: string,
  port: number,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<void> {
  const base = `http://${host.includes(':') ? `[${host}]` : host}:${port}/json`;
  const signal = AbortSignal.any([
    AbortSignal.timeout(options.timeoutMs),
    ...(options.signal ? [options.signal] : []),
  ]);
  const call = async (path: string, method = 'GET'): Promise<string> => {
    const res = await fetch(`${base}${path}`, { method, signal });
    if (!res.ok) throw new Error(`CDP ${path} answered HTTP ${res.status}`);
    return res.text();
  };
  const pages = async () =>
    targetsSchema.parse(JSON.parse(await call('/list'))).filter((t) => t.type === 'page');
  const before = await pages();
  const fresh = targetSchema.parse(JSON.parse(await call('/new?about:blank', 'PUT')));
  // Its answer is plain text ("Target is closing"), whatever its content type says.
  await Promise.all(before.filter((p) => p.id !== fresh.id).map((p) => call(`/close/${p.id}`)));
  // A close completes after its answer: the next attach must find the fresh tab alone.
  while ((await pages()).some((p) => p.id !== fresh.id))
    await setTimeout(CLOSE_POLL_MS, undefined, { signal });
}
