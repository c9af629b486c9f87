import type { Page } from 'playwright-core';
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
 * Keeps the page's main frame within `origins`: a navigation anywhere else (a link, a script, each hop
 * of a redirect) is failed before its request leaves the browser, so a credential is never typed into
 * a page of another site. Subresources and frames are left alone.
 *
 * It pauses document requests only (the CDP Fetch domain, on a session of its own). A Playwright route
 * would see every request but not the hops of a redirect: the browser follows those without asking it.
 */
export async function guardNavigation(page: Page, origins: readonly string[]): Promise<NavigationGuard> {
  const session = await page.context().newCDPSession(page);
  const { frameTree } = await session.send('Page.getFrameTree');
  const mainFrame = frameTree.frame.id;
  let blocked: string | undefined;
  session.on('Fetch.requestPaused', ({ requestId, frameId, request }) => {
    const origin = originOf(request.url);
    const refused = frameId === mainFrame && (!origin || !origins.includes(origin));
    if (refused) blocked ??= origin ?? new URL(request.url).protocol;
    // The page or its connection may be gone by now: nothing is left to answer then.
    (refused
      ? session.send('Fetch.failRequest', { requestId, errorReason: 'BlockedByClient' })
      : session.send('Fetch.continueRequest', { requestId })
    ).catch(() => undefined);
  });
  await session.send('Fetch.enable', {
    patterns: [{ urlPattern: '*', resourceType: 'Document', requestStage: 'Request' }],
  });
  return {
    blocked: () => blocked,
    refusal: () =>
      failure(
        'CredentialNotAllowed',
        `the task navigated to ${blocked}, outside its credentials' origins (${origins.join(', ')})`,
        { details: { origin: blocked } },
      ),
    remove: () => session.detach().catch(() => undefined),
  };
}
