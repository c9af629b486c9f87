import { type JobRef } from '../contract';
import { connectProfileBrowser } from '../cdp';
import type { ActivityDeps } from './deps';
import { stepSpan } from '../telemetry';

export interface CdpInfo {
  port: number;
  browser_version: string;
  pages: number;
}

export function cdpActivities(deps: ActivityDeps) {
  return {
    /** Proves the profile's browser answers on CDP and can be driven, before the task starts. */
    cdpConnect({ job, port }: { job: JobRef; port: number }): Promise<CdpInfo> {
      return stepSpan('mlx.cdp.connect', job, deps.workerId, async (span) => {
        span.setAttribute('mlx.cdp.port', port);
        const { browser, browserVersion } = await connectProfileBrowser(deps.cdpHost, port);
        try {
          const pages = browser.contexts().reduce((sum, context) => sum + context.pages().length, 0);
          span.setAttribute('mlx.browser.version', browserVersion);
          return { port, browser_version: browserVersion, pages };
        } finally {
          // Over CDP, close() only detaches Playwright; the profile's browser keeps running.
          await browser.close();
        }
      });
    },
  };
}
