import { connectProfileBrowser } from '../cdp/connect';
import type { ActivityDeps } from './deps';

export function cdpActivities(deps: ActivityDeps) {
  return {
    /** Proves the profile's browser answers on CDP and can be driven, before the task starts. */
    async cdpConnect(input: {
      port: number;
    }): Promise<{ port: number; browser_version: string; pages: number }> {
      const { browser, browserVersion } = await connectProfileBrowser(deps.cdpHost, input.port);
      try {
        const pages = browser.contexts().reduce((sum, context) => sum + context.pages().length, 0);
        return { port: input.port, browser_version: browserVersion, pages };
      } finally {
        // Over CDP, close() only detaches Playwright; the profile's browser keeps running.
        await browser.close();
      }
    },
  };
}
