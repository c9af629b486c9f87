import type { Page, Route } from 'playwright-core';
import { failure } from '../contract';
import { originOf } from '../secrets';

export interface NavigationGuard {
  /** The origin of the first main-frame navigation refused, if any. */
  blocked(): string | undefined;
  /** The failure to report for a refused navigation (CredentialNotAllowed, not retried). */
  refusal(): ReturnType<typeof failure>;
  remove(): Promise<void>;
}

/**
 * Keeps the page's main frame within `origins`: a navigation anywhere else (a link, a redirect, a
 * script) is aborted before a request leaves the browser, so a credential is never typed into a page of
 * another site. Subresources and frames are left alone.
 */
export async function guardNavigation(page: Page, origins: readonly string[]): Promise<NavigationGuard> {
  let blocked: string | undefined;
  const handler = async (route: Route) => {
    const request = route.request();
    const origin = originOf(request.url());
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) {
      if (!origin || !origins.includes(origin)) {
        blocked ??= origin ?? new URL(request.url()).protocol;
        return route.abort('blockedbyclient');
      }
    }
    return route.fallback();
  };
  await page.route('**/*', handler);
  return {
    blocked: () => blocked,
    refusal: () =>
      failure(
        'CredentialNotAllowed',
        `the task navigated to ${blocked}, outside its credentials' origins (${origins.join(', ')})`,
        { details: { origin: blocked } },
      ),
    remove: () => page.unroute('**/*', handler).catch(() => undefined),
  };
}
