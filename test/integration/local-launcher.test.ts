import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { waitForCdp } from '../../src/cdp';
import { errorTypeOf } from '../../src/contract';
import { startLocalLauncher, type LocalLauncher } from '../../src/launcher';
import { silentLogger } from '../../src/telemetry';
import { createLauncherClient, type LauncherClient } from '../../src/mlx';
import { processesWith, waitUntil } from '../helpers/processes';

const TIMEOUT = { timeout: 30_000 };

/** Live processes started with `--user-data-dir=<dir>` (the browser and its children). */
function processesUsing(dir: string): string[] {
  const flag = `--user-data-dir=${dir}`;
  return processesWith(flag)
    .filter((p) => p.args.includes(flag))
    .map((p) => `${p.pid}: ${p.args.join(' ')}`);
}

function assertBrowserGone(pid: number, dir: string): void {
  assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
  assert.deepEqual(processesUsing(dir), []);
}

void describe('local launcher with real Chromium', () => {
  let dataDir: string;
  let launcher: LocalLauncher;
  let client: LauncherClient;
  let site: Server;
  let siteUrl: string;

  const profileDir = (profileId: string) => join(dataDir, 'profiles', profileId);
  const start = (profileId: string) =>
    client.startProfile({ folderId: 'folder-1', profileId, headless: true });
  const pidOf = (profileId: string, l = launcher) =>
    l.runningProfiles().find((p) => p.profileId === profileId)?.pid;
  const connect = async (port: number): Promise<Browser> => {
    await waitForCdp(port);
    return chromium.connectOverCDP(`http://127.0.0.1:${port}`);
  };

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mlx-local-launcher-'));
    launcher = await startLocalLauncher({ dataDir, log: silentLogger });
    client = createLauncherClient({ baseUrl: launcher.url, token: 'local-token', timeoutMs: 20_000 });
    site = createServer((req, res) => {
      res.setHeader('Content-Type', 'text/html');
      if (req.url === '/set-cookie') res.setHeader('Set-Cookie', 'visit=42; Max-Age=3600; Path=/');
      const cookie = req.headers.cookie ?? 'none';
      res.end(
        `<html><head><title>mlx-jobs test page</title></head><body id="cookie">${cookie}</body></html>`,
      );
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  });

  after(async () => {
    await launcher.close();
    site.closeAllConnections();
    await new Promise<void>((resolve) => site.close(() => resolve()));
    await rm(dataDir, { recursive: true, force: true });
  });

  void it('answers version and statuses, and rejects bad requests without spawning', async () => {
    assert.equal((await client.version()).env, 'local');

    const selenium = await fetch(
      `${launcher.url}/api/v2/profile/f/folder-1/p/p1/start?automation_type=selenium`,
    );
    const seleniumBody = (await selenium.json()) as { status: { error_code: string; message: string } };
    assert.equal(selenium.status, 400);
    assert.equal(seleniumBody.status.error_code, 'UNSUPPORTED_AUTOMATION_TYPE');
    assert.match(seleniumBody.status.message, /playwright/);

    for (const [path, field] of [
      ['/api/v2/profile/f/folder-1/p/bad%20id/start?automation_type=playwright', 'profile_id'],
      ['/api/v2/profile/f/..%2F..%2Fetc/p/p1/start?automation_type=playwright', 'folder_id'],
      ['/api/v1/profile/stop/p/%E0%A4%A', 'profile_id'],
    ]) {
      const response = await fetch(`${launcher.url}${path}`);
      const body = (await response.json()) as { status: { message: string } };
      assert.equal(response.status, 400, path);
      assert.match(body.status.message, new RegExp(`^${field} `), path);
    }

    const unknown = await fetch(`${launcher.url}/api/v9/nothing`);
    assert.equal(unknown.status, 404);
    assert.equal(
      ((await unknown.json()) as { status: { error_code: string } }).status.error_code,
      'NOT_FOUND',
    );

    assert.deepEqual(launcher.runningProfiles(), []);
    assert.deepEqual((await client.statuses()).states, {});
  });

  void it(
    'starts a browser Playwright drives over CDP, refuses a second start, stops it for good',
    TIMEOUT,
    async () => {
      const { port, browserType, coreVersion } = await start('alpha');
      assert.equal(browserType, 'mimic');
      assert.ok(coreVersion !== undefined && coreVersion > 100);

      const cdp = await waitForCdp(port);
      assert.match(cdp.browserVersion, /Chrome\/\d+/);
      assert.match(cdp.webSocketDebuggerUrl, new RegExp(`^ws://127\\.0\\.0\\.1:${port}/devtools/browser/`));

      const browser = await chromium.connectOverCDP(`http://127.0.0.1:${port}`);
      try {
        const context = browser.contexts()[0];
        assert.ok(context, 'the profile browser has its own default context');
        const page = await context.newPage();
        await page.goto(siteUrl);
        assert.equal(await page.title(), 'mlx-jobs test page');
        // Nothing but pages: Chromium preloads its omnibox popup (a WebUI in a renderer of its own, about
        // a fifth to a third of a start's CPU time) even headless, unless the launcher turns it off.
        const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as {
          type: string;
          url: string;
        }[];
        assert.deepEqual(
          targets.filter((target) => target.type !== 'page').map((target) => target.url),
          [],
        );
      } finally {
        await browser.close();
      }

      const pid = pidOf('alpha');
      assert.ok(pid);
      assert.deepEqual(launcher.runningProfiles(), [{ profileId: 'alpha', pid, port }]);
      const state = (await client.statuses()).states.alpha;
      assert.equal(state?.status, 'browser_running');
      assert.equal(state?.folder_id, 'folder-1');

      await assert.rejects(start('alpha'), (err) => errorTypeOf(err) === 'MlxProfileAlreadyRunning');
      assert.equal(pidOf('alpha'), pid, 'the second start left the first browser alone');

      assert.deepEqual(await client.stopProfile('alpha'), { alreadyStopped: false });
      assertBrowserGone(pid, profileDir('alpha'));
      assert.deepEqual(launcher.runningProfiles(), []);
      assert.deepEqual(await client.stopProfile('alpha'), { alreadyStopped: true });
    },
  );

  void it('keeps cookies across stop and start of the same profile', TIMEOUT, async () => {
    const first = await connect((await start('cookies')).port);
    try {
      const page = await first.contexts()[0]!.newPage();
      await page.goto(`${siteUrl}/set-cookie`);
      assert.equal(await page.textContent('#cookie'), 'none');
    } finally {
      await first.close();
    }
    await client.stopProfile('cookies');

    const second = await connect((await start('cookies')).port);
    try {
      const page = await second.contexts()[0]!.newPage();
      await page.goto(siteUrl);
      assert.equal(await page.textContent('#cookie'), 'visit=42');
    } finally {
      await second.close();
      await client.stopProfile('cookies');
    }
  });

  void it('spawns one browser when the same profile is started twice at once', TIMEOUT, async () => {
    const results = await Promise.allSettled([start('twice'), start('twice')]);
    const started = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected');
    assert.equal(started.length, 1);
    assert.equal(refused.length, 1);
    assert.equal(errorTypeOf(refused[0]?.reason), 'MlxProfileAlreadyRunning');
    const mainProcesses = processesUsing(profileDir('twice')).filter((cmd) => !cmd.includes('--type='));
    assert.equal(mainProcesses.length, 1, mainProcesses.join('\n'));

    const pid = pidOf('twice');
    assert.ok(pid);
    await client.stopProfile('twice');
    assertBrowserGone(pid, profileDir('twice'));
  });

  void it('forgets a browser that exits by itself, and can start it again', TIMEOUT, async () => {
    await start('crashy');
    const pid = pidOf('crashy');
    assert.ok(pid);
    process.kill(-pid, 'SIGKILL');
    await waitUntil(() => pidOf('crashy') === undefined, 5_000, 'the crashed browser to be forgotten');
    assert.equal((await client.statuses()).states.crashy, undefined);
    assert.deepEqual(await client.stopProfile('crashy'), { alreadyStopped: true });

    const { port } = await start('crashy');
    const again = await waitForCdp(port);
    assert.match(again.browserVersion, /Chrome\//);
    await client.stopProfile('crashy');
  });

  void it('close() stops every running browser, then the server', TIMEOUT, async () => {
    const own = await startLocalLauncher({ dataDir, log: silentLogger });
    const ownClient = createLauncherClient({ baseUrl: own.url, timeoutMs: 20_000 });
    await Promise.all(
      ['one', 'two'].map((profileId) => ownClient.startProfile({ folderId: 'f', profileId, headless: true })),
    );
    const running = own.runningProfiles();
    assert.deepEqual(running.map((p) => p.profileId).sort(), ['one', 'two']);

    await own.close();
    assert.deepEqual(own.runningProfiles(), []);
    for (const { profileId, pid } of running) assertBrowserGone(pid, profileDir(profileId));
    await assert.rejects(ownClient.version(), (err) => errorTypeOf(err) === 'MlxAgentDown');
  });
});
