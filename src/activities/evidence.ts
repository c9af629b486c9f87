import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { redactUrl } from '../secrets';
import { redactedPrintable } from '../telemetry';

export interface Evidence {
  screenshot?: string;
  url: string;
  title: string;
}

const CAPTURE_TIMEOUT_MS = 5_000;

/**
 * What the page looked like when the task failed: a screenshot in `dir` named after the job and attempt,
 * the page URL (without its query string) and title. Best effort: a dead page yields what it can.
 */
export async function captureEvidence(page: Page, dir: string, name: string): Promise<Evidence> {
  // Both come from the page: redacted, then cut and stripped of control characters (no terminal escape).
  const url = redactedPrintable(redactUrl(page.url()), 2_000);
  const title = redactedPrintable(await page.title().catch(() => ''), 300);
  try {
    await mkdir(dir, { recursive: true });
    const screenshot = join(dir, `${name}.png`);
    await page.screenshot({ path: screenshot, fullPage: true, timeout: CAPTURE_TIMEOUT_MS });
    return { screenshot, url, title };
  } catch {
    return { url, title };
  }
}
