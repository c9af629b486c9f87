import { chromium, type Browser } from 'playwright-core';
import { failure } from '../contract';
import { waitForCdp } from './wait-for-cdp';

export interface ConnectedBrowser {
  browser: Browser;
  browserVersion: string;
}

/** Waits for the profile's browser to answer on CDP, then attaches Playwright to it. */
export async function connectProfileBrowser(
  host: string,
  port: number,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<ConnectedBrowser> {
  const { browserVersion } = await waitForCdp(port, { host, ...options });
  try {
    const browser = await chromium.connectOverCDP(`http://${host}:${port}`, {
      timeout: options.timeoutMs ?? 15_000,
    });
    return { browser, browserVersion };
  } catch (err) {
    throw failure(
      'CdpUnreachable',
      `Playwright could not attach over CDP at ${host}:${port}: ${String(err)}`,
      {
        details: { host, port },
      },
    );
  }
}
