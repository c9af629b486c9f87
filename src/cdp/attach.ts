import { chromium, type Browser } from 'playwright-core';
import { failure } from '../contract';
import { waitForCdp } from './wait-for-cdp';

export interface ConnectedBrowser {
  browser: Browser;
  browserVersion: string;
}

/** What one attach may take in all, the wait for the endpoint and Playwright's attach together. */
const DEFAULT_ATTACH_MS = 30_000;
/** Playwright's attach is never started with less than this left: it could only time out. */
const MIN_PLAYWRIGHT_ATTACH_MS = 1_000;

/**
 * Waits for the profile's browser to answer on CDP, then attaches Playwright to it, both within one
 * `timeoutMs`, so a caller bounded by an activity's start-to-close fails with a reason of its own first.
 */
export async function connectProfileBrowser(
  host: string,
  port: number,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<ConnectedBrowser> {
  const { timeoutMs = DEFAULT_ATTACH_MS, signal } = options;
  const deadline = Date.now() + timeoutMs;
  const { browserVersion } = await waitForCdp(port, {
    host,
    signal,
    timeoutMs: Math.max(1, timeoutMs - MIN_PLAYWRIGHT_ATTACH_MS),
  });
  const attachMs = Math.max(MIN_PLAYWRIGHT_ATTACH_MS, deadline - Date.now());
  try {
    const browser = await chromium.connectOverCDP(`http://${host}:${port}`, { timeout: attachMs });
    return { browser, browserVersion };
  } catch (err) {
    throw failure(
      'CdpUnreachable',
      `Playwright could not attach over CDP at ${host}:${port} within ${attachMs} ms: ${String(err)}`,
      { details: { host, port, attach_ms: attachMs } },
    );
  }
}
