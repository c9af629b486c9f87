import type { Browser, CDPSession } from 'playwright-core';
import { failure } from '../contract';
import { originOf } from '../secrets';
import type { Logger } from '../telemetry';

export interface NavigationGuard {
  /** The origin of the first main-frame navigation refused, if any (a refused frame is not one). */
  blocked(): string | undefined;
  /** The failure to report for a refused navigation (CredentialNotAllowed, not retried). */
  refusal(): ReturnType<typeof failure>;
  remove(): Promise<void>;
}

/**
 * Keeps every frame of every tab of the browser within `origins`: the task's page, any popup it opens
 * (window.open, a target=_blank link) from the popup's first request on, and every frame inside them. A
 * navigation anywhere else (a link, a script, a form, each hop of a redirect) is failed before its
 * request leaves the browser, so a credential is never typed into, nor posted to, a page of another
 * site: a login form whose `target` is a frame posts into that frame, and a field in a frame of another
 * origin never loads. A refused main frame fails the task (`refusal()`); a refused frame only stays
 * empty (a page may embed a widget of another site the task never touches), and is logged once per
 * origin. Subresources (images, scripts, fetch) are left alone. The whole browser is the job's: a
 * profile runs one job at a time. Service workers are bypassed for the task's tabs (service-workers.ts),
 * so a navigation always reaches this guard.
 *
 * It pauses document requests only, through the CDP Fetch domain on a browser-wide session. A Playwright
 * route would not see the hops of a redirect (the browser follows them without asking it), and a guard
 * on the page's own session would not see a popup, whose first request is sent before the task holds it.
 */
export async function guardNavigation(
  browser: Browser,
  origins: readonly string[],
  log: Logger,
): Promise<NavigationGuard> {
  const session = await browser.newBrowserCDPSession();
  const isMainFrame = mainFrames(session);
  let blocked: string | undefined;
  const refusedFrames = new Set<string>();
  session.on('Fetch.requestPaused', ({ requestId, frameId, request }) => {
    void (async () => {
      const origin = originOf(request.url);
      const refused = !origin || !origins.includes(origin);
      const where = origin ?? new URL(request.url).protocol;
      if (refused && (await isMainFrame(frameId))) blocked ??= where;
      else if (refused && !refusedFrames.has(where)) {
        refusedFrames.add(where);
        log.warn("refused a frame outside the credentials' origins", { origin: where });
      }
      await (refused
        ? session.send('Fetch.failRequest', { requestId, errorReason: 'BlockedByClient' })
        : session.send('Fetch.continueRequest', { requestId }));
    })().catch(() => undefined); // the tab or the connection may be gone by now: nothing is left to answer
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

/**
 * Whether a frame is the main frame of a tab: a tab's target id is its main frame's id. A frame in its
 * tab's process has no target of its own, and a frame in another process is an "iframe" target. Any
 * other answer (the connection failing) counts as a main frame: the guard fails closed.
 */
function mainFrames(session: CDPSession): (frameId: string) => Promise<boolean> {
  const known = new Map<string, boolean>();
  return async (frameId) => {
    let main = known.get(frameId);
    if (main === undefined) {
      main = await session
        .send('Target.getTargetInfo', { targetId: frameId })
        .then(({ targetInfo }) => targetInfo.type === 'page')
        .catch((err: unknown) => !String(err).includes('No target with given id'));
      known.set(frameId, main);
    }
    return main;
  };
}
