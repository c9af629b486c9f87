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

  before(async () => {
    [home, away] = await Promise.all([startSite(), startSite()]);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: [...CHROMIUM_FLAGS] });
  });
  afterEach(async () => {
    await context?.close();
    context = undefined;
    away.hits.length = 0;
  });
  after(async () => {
    await browser?.close();
    await Promise.all([home?.close(), away?.close()]);
  });

  async function guarded(): Promise<{ page: Page; guard: NavigationGuard }> {
    context = await browser.newContext();
    const page = await context.newPage();
    const guard = await guardNavigation(page, [home.origin]);
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
    await context?.close();

    const script = await guarded();
    await script.page
      .evaluate((to) => (window.location.href = to), `${away.origin}/by-script`)
      .catch(() => undefined);
    await assert.rejects(script.page.waitForURL(`${away.origin}/by-script`, { timeout: 1_000 }));
    assert.equal(script.guard.blocked(), away.origin);
    await context?.close();

    const redirect = await guarded();
    await redirect.page
      .goto(`${home.origin}/go?to=${encodeURIComponent(`${away.origin}/by-redirect`)}`)
      .catch(() => undefined);
    assert.equal(redirect.guard.blocked(), away.origin, 'the redirect hop is checked too');

    assert.deepEqual(away.hits, [], 'no request reached the other origin');
  });

  void it('leaves subresources and frames of other origins alone, and goes away when removed', async () => {
    const { page, guard } = await guarded();
    await page.setContent(
      `<img src="${away.origin}/pixel.png"><iframe src="${away.origin}/in-frame"></iframe>`,
    );
    await page.waitForLoadState('load');
    assert.ok(away.hits.includes('/pixel.png'), 'the image loaded');
    assert.ok(away.hits.includes('/in-frame'), 'the frame loaded');
    assert.equal(guard.blocked(), undefined);

    await guard.remove();
    await page.goto(`${away.origin}/after-remove`);
    assert.equal(await page.title(), '/after-remove');
  });
});
