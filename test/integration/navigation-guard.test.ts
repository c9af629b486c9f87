import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { z } from 'zod';
import { guardNavigation, type NavigationGuard } from '../../src/activities/navigation-guard';
import { CHROMIUM_FLAGS } from '../../src/launcher';
import { runTask } from '../../src/task-runner';
import { defineTask } from '../../src/tasks';
import { createLogger } from '../../src/telemetry';

/**
 * A site on 127.0.0.1 that records what reached it; `/go?to=URL` redirects (302) to URL; `pages` holds
 * pages served as they are (HTML, or JavaScript for a path ending in `.js`); `bodies` what was posted.
 */
interface Site {
  origin: string;
  hits: string[];
  bodies: string[];
  pages: Map<string, string>;
  close(): Promise<void>;
}

async function startSite(): Promise<Site> {
  const hits: string[] = [];
  const bodies: string[] = [];
  const pages = new Map<string, string>();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    hits.push(url.pathname);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => chunks.length && bodies.push(Buffer.concat(chunks).toString()));
    const to = url.searchParams.get('to');
    const page = pages.get(url.pathname);
    if (page !== undefined) {
      const type = url.pathname.endsWith('.js') ? 'text/javascript' : 'text/html';
      res.writeHead(200, { 'content-type': type }).end(page);
    } else if (url.pathname === '/go' && to) {
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
    bodies,
    pages,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

// The guard on a real Chromium: the task's main frame stays on its credentials' origins whatever
// leads it away, and everything else the page loads is left alone.
// A bound on the whole group, not on each test: under load (a suite run at load 18) the ten tests of
// sync-orders.test.ts took more than a minute between them.
void describe('the navigation guard', { timeout: 240_000 }, () => {
  let browser: Browser;
  let home: Site;
  let away: Site;
  let context: BrowserContext | undefined;
  let guard: NavigationGuard | undefined;
  const logged: { msg: string; origin?: string }[] = [];

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
    logged.length = 0;
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
    const log = createLogger({ write: (line) => void logged.push(JSON.parse(line) as (typeof logged)[0]) });
    guard = await guardNavigation(browser, [home.origin], log);
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

  void it('leaves subresources of other origins alone, refuses their frames without failing, goes away when removed', async () => {
    const { page, guard: installed } = await guarded();
    await page.setContent(
      `<img src="${away.origin}/pixel.png"><iframe src="${away.origin}/in-frame"></iframe>`,
    );
    await page.waitForLoadState('load');
    assert.ok(away.hits.includes('/pixel.png'), 'the image loaded');
    assert.ok(!away.hits.includes('/in-frame'), 'the frame of another origin was refused');
    assert.equal(installed.blocked(), undefined, 'a refused frame does not fail the task');
    assert.deepEqual(
      logged.map((r) => [r.msg, r.origin]),
      [["refused a frame outside the credentials' origins", away.origin]],
    );

    await installed.remove();
    await page.goto(`${away.origin}/after-remove`);
    assert.equal(await page.title(), '/after-remove');
  });
});

// A task's pages as every job prepares them (runTask: the embedded launcher, a persistent profile,
// driveTask): what a site left in the profile, or put in a frame, cannot take the task or its
// credential elsewhere.
void describe("a task's pages", { timeout: 90_000 }, () => {
  let home: Site;
  let away: Site;
  let dataDir: string;

  before(async () => {
    [home, away] = await Promise.all([startSite(), startSite()]);
    dataDir = await mkdtemp(join(tmpdir(), 'mlx-guard-task-'));
  });
  after(async () => {
    await Promise.all([home?.close(), away?.close()]);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const PASSWORD = 'typed-secret-Pw9';
  /** The credential the guarded runs type: allowed on `home` only. */
  const secrets = () => ({
    'shop-home': { password: PASSWORD, origins: [home.origin], allow_http: true, clients: ['local'] },
  });
  /** A task that opens `url` and runs one of the steps below; `account` makes it a guarded one. */
  const visit = defineTask({
    name: 'visit',
    description: 'opens a page of the test sites and does one thing there',
    input: z.object({
      url: z.string(),
      account: z.string().optional(),
      step: z.enum(['register', 'leave', 'post-into-frame']),
      to: z.string().default(''),
    }),
    output: z.record(z.string(), z.unknown()),
    credentials: (input) => (input.account ? [{ account: input.account, url: input.url }] : []),
    async run({ page, secrets }, input) {
      await page.goto(input.url);
      if (input.step === 'register') {
        await page.waitForFunction(() => document.title === 'registered');
        return {};
      }
      if (input.step === 'leave') {
        // Each way a page of `to` could open: in a frame, a popup, the task's own tab.
        await page.setContent(`<iframe src="${input.to}/framed"></iframe>`);
        await page.waitForLoadState('load');
        const popup = page.waitForEvent('popup');
        await page.evaluate((to) => void window.open(`${to}/popup`), input.to);
        await (await popup).waitForLoadState();
        await page.goto(`${input.to}/tab`).catch(() => undefined);
        return { title: await page.title() };
      }
      const password = secrets.get(input.account ?? '').password ?? '';
      // The login form posts into a frame of another origin.
      await page.fill('#password', password);
      const posted = page.waitForEvent('requestfinished', (r) => r.url().endsWith('/collect'));
      const refused = page.waitForEvent('requestfailed', (r) => r.url().endsWith('/collect'));
      await page.click('#sign-in');
      const post = await Promise.race([posted.then(() => 'sent'), refused.then(() => 'refused')]);
      // The credential field lives in a frame of another origin.
      const frame = page.frames().find((f) => f !== page.mainFrame() && f.name() === 'login');
      const field = await frame?.$('#password');
      if (field) {
        await field.fill(password);
        await frame?.click('#sign-in');
        await page.waitForEvent('requestfinished', (r) => r.url().endsWith('/collect'));
      }
      return { post, field_in_frame: !!field };
    },
  });

  void it("a service worker of another origin left in the profile answers none of the task's navigations", async () => {
    const profile_id = randomUUID();
    // The other origin's worker would answer every navigation and tell its site it did.
    away.pages.set(
      '/sw.js',
      `self.addEventListener('install', () => self.skipWaiting());
       self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
       self.addEventListener('fetch', (event) => {
         if (event.request.destination !== 'document' && event.request.mode !== 'navigate') return;
         fetch('/answered-by-worker').catch(() => undefined);
         event.respondWith(new Response('<title>from the worker</title>', { headers: { 'content-type': 'text/html' } }));
       });`,
    );
    away.pages.set(
      '/register',
      `<script>navigator.serviceWorker.register('/sw.js').then(() => navigator.serviceWorker.ready)
         .then(() => (document.title = 'registered'))</script>`,
    );
    // An earlier job of the profile, with no credential (so no guard), visited the other site.
    const registered = await runTask(visit, {
      input: { url: `${away.origin}/register`, step: 'register' },
      dataDir,
      job: { profile_id },
    });
    assert.deepEqual(registered, { status: 'completed', output: {} });
    away.hits.length = 0;

    const result = await runTask(visit, {
      input: { url: `${home.origin}/start`, account: 'shop-home', step: 'leave', to: away.origin },
      secrets: secrets(),
      dataDir,
      job: { profile_id },
    });
    assert.equal(result.status, 'failed', JSON.stringify(result));
    assert.equal(result.failure.type, 'CredentialNotAllowed');
    assert.deepEqual(result.failure.details, { origin: away.origin });
    assert.deepEqual(away.hits, [], 'neither the worker nor the site answered anything');
  });

  void it('a credential typed into a form that posts into a frame of another origin, or into such a frame, never reaches it', async () => {
    home.pages.set(
      '/login',
      `<form action="${away.origin}/collect" method="post" target="sink">
         <input id="password" name="password" type="password"><button id="sign-in">Sign in</button>
       </form>
       <iframe name="sink" src="about:blank"></iframe>
       <iframe name="login" src="${away.origin}/login-frame"></iframe>`,
    );
    away.pages.set(
      '/login-frame',
      `<form action="/collect" method="post"><input id="password" name="password" type="password">
         <button id="sign-in">Sign in</button></form>`,
    );
    away.hits.length = 0;
    away.bodies.length = 0;
    const result = await runTask(visit, {
      input: { url: `${home.origin}/login`, account: 'shop-home', step: 'post-into-frame' },
      secrets: secrets(),
      job: { profile_id: randomUUID() },
    });
    assert.deepEqual(result, { status: 'completed', output: { post: 'refused', field_in_frame: false } });
    assert.deepEqual(away.hits, [], 'nothing reached the other origin');
    assert.deepEqual(away.bodies, []);
  });
});
