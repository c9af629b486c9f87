import type { Page } from 'playwright-core';
import { originOf } from '../secrets';

/**
 * Removes the profile's service worker registrations of every origin outside `origins`, before a
 * guarded task starts. A service worker answers its site's navigations inside the browser, where the
 * navigation guard (the CDP Fetch domain) never sees them: one a site left in the persistent profile
 * would open a page of that site in the task's tab, a popup or a frame. With none left, every
 * navigation to another origin reaches the guard; none is registered again during the task, since no
 * page or frame of another origin loads in it.
 *
 * Not a per-tab bypass (Network.setBypassServiceWorker): a popup's first navigation picks its service
 * worker before a debugger can set the popup's tab, and the browser target has no Network domain.
 */
export async function removeOtherServiceWorkers(page: Page, origins: readonly string[]): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  try {
    // Enabling the domain reports every registration of the profile in its first event.
    const registered = new Promise<{ scopeURL: string; isDeleted: boolean }[]>((resolve) =>
      cdp.once('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => resolve(registrations)),
    );
    await cdp.send('ServiceWorker.enable');
    // Only web origins: an extension's worker (chrome-extension://) answers no page navigation, and
    // removing it would break the extension in the profile.
    const others = (await registered).filter(({ scopeURL, isDeleted }) => {
      const origin = originOf(scopeURL);
      return !isDeleted && !!origin && !origins.includes(origin);
    });
    await Promise.all(others.map(({ scopeURL }) => cdp.send('ServiceWorker.unregister', { scopeURL })));
  } finally {
    await cdp.detach().catch(() => undefined);
  }
}
