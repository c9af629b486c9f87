import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { guardNavigation, type NavigationGuard } from '../../src/activities/navigation-guard';
import { CHROMIUM_FLAGS } from '../../src/launcher';

/** A site on 127.0.0.1 that records what reached it; `/go?to=URL` redirects (302) to URL. */
interface Site {
  origin: string;
  hits: string[];
  close(): Promise<void>;
}

async function startSite(): Promise<Site> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    hits.push(url.pathname);
    const to = url.searchParams.get('to');
    if (url.pathname === '/go' && to) {
      res.writeHead(302, { location: to }).end();
    } else if (url.pathname === '/pixel.png') {
      res.writeHead(200, { 'content-type': 'image/png', 'access-control-allow-origin': '*' }).end();
    } else {
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<title>${url.pathname}</title>ok`);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

// The guard on a real Chromium: the task's main frame stays on its credentials' origins whatever
// leads it away, and everything else the page loads is left alone.
void describe('the navigation guard', { timeout: 60_000 }, () => {
  let browser: Browser;
  let home: Site;
  let away: Site;
  let context: BrowserContext | undefined;
  let guard: NavigationGuard | undefined;

  before(async () => {
    [home, away] = await Promise.all([startSite(), startSite()]);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: [...CHROMIUM_FLAGS] });
  });
  afterEach(async () => {
    await guard?.remove();
    guard = undefined;
    await context?.close();
    context = undefined;
    away.hits.length = 0;
  });
  after(async () => {
    await browser?.close();
    await Promise.all([home?.close(), away?.close()]);
  });

  async function guarded(): Promise<{ page: Page; guard: NavigationGuard }> {
    await guard?.remove();
    await context?.close();
    context = await browser.newContext();
    const page = await context.newPage();
    guard = await guardNavigation(browser, [home.origin]);
    await page.goto(`${home.origin}/start`);
    return { page, guard };
  }

  void it('lets the main frame move within its origins', async () => {
    const { page, guard } = await guarded();
    await page.goto(`${home.origin}/next`);
    await page.goto(`${home.origin}/go?to=${encodeURIComponent(`${home.origin}/after-redirect`)}`);
    assert.equal(await page.title(), '/after-redirect');
    assert.equal(guard.blocked(), undefined);
  });

  void it('stops a link, a script and a server redirect to another origin before they reach it', async () => {
    const link = await guarded();
    await link.page.setContent(`<a id="away" href="${away.origin}/by-link">away</a>`);
    await link.page.click('#away');
    await link.page.waitForLoadState();
    assert.equal(link.guard.blocked(), away.origin);
    assert.match(link.guard.refusal().message, /navigated to http:\/\/127\.0\.0\.1:\d+, outside/);

    const script = await guarded();
    // The navigation ends either way with a main-frame commit: the error page of a refused request, or
    // the other origin's page, whose request then reached it.
    const ended = script.page.waitForEvent('framenavigated', {
      predicate: (frame) => frame === script.page.mainFrame(),
      timeout: 10_000,
    });
    await script.page
      .evaluate((to) => (window.location.href = to), `${away.origin}/by-script`)
      .catch(() => undefined);
    await ended;
    assert.deepEqual(away.hits, [], 'the script navigation did not reach the other origin');
    assert.equal(script.guard.blocked(), away.origin);

    const redirect = await guarded();
    await redirect.page
      .goto(`${home.origin}/go?to=${encodeURIComponent(`${away.origin}/by-redirect`)}`)
      .catch(() => undefined);
    assert.equal(redirect.guard.blocked(), away.origin, 'the redirect hop is checked too');

    assert.deepEqual(away.hits, [], 'no request reached the other origin');
  });

  void it('guards a popup from its first request: window.open, a target=_blank link, a redirect in it', async () => {
    const opened = await guarded();
    const byScript = opened.page.waitForEvent('popup');
    await opened.page.evaluate((to) => void window.open(to), `${away.origin}/by-window-open`);
    await (await byScript).waitForLoadState();
    assert.equal(opened.guard.blocked(), away.origin);

    const linked = await guarded();
    const hop = `${home.origin}/go?to=${encodeURIComponent(`${away.origin}/by-popup-redirect`)}`;
    await linked.page.setContent(`<a id="away" target="_blank" href="${hop}">away</a>`);
    const byLink = linked.page.waitForEvent('popup');
    await linked.page.click('#away');
    await (await byLink).waitForLoadState();
    assert.equal(linked.guard.blocked(), away.origin, 'the redirect hop in the popup is checked');

    assert.deepEqual(away.hits, [], 'no request reached the other origin');

    const within = await guarded();
    const popup = within.page.waitForEvent('popup');
    await within.page.evaluate((to) => void window.open(to), `${home.origin}/popup`);
    const page = await popup;
    await page.waitForLoadState();
    assert.equal(await page.title(), '/popup', 'a popup within the origins loads');
    assert.equal(within.guard.blocked(), undefined);
  });

  void it("holds when the task routes requests itself: both see the page's navigations", async () => {
    const { page, guard } = await guarded();
    const routed: string[] = [];
    await page.route('**/*', (route) => {
      routed.push(new URL(route.request().url()).pathname);
      return route.continue();
    });
    await page.goto(`${home.origin}/routed`);
    assert.equal(await page.title(), '/routed');
    await page.goto(`${away.origin}/routed-away`).catch(() => undefined);
    assert.equal(guard.blocked(), away.origin);
    assert.deepEqual(away.hits, [], 'no request reached the other origin');
    assert.ok(routed.includes('/routed'), "the task's route saw its own navigation");
  });

  void it('leaves subresources and frames of other origins alone, and goes away when removed', async () => {
    const { page, guard: installed } = await guarded();
    await page.setContent(
      `<img src="${away.origin}/pixel.png"><iframe src="${away.origin}/in-frame"></iframe>`,
    );
    await page.waitForLoadState('load');
    assert.ok(away.hits.includes('/pixel.png'), 'the image loaded');
    assert.ok(away.hits.includes('/in-frame'), 'the frame loaded');
    assert.equal(installed.blocked(), undefined);

    await installed.remove();
    await page.goto(`${away.origin}/after-remove`);
    assert.equal(await page.title(), '/after-remove');
  });
});
