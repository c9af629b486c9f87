import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { ERROR_TYPES } from '../../src/contract';
import { waitUntil } from '../helpers/processes';
import { startLocalLauncher, type LocalLauncher } from '../../src/launcher';
import {
  createLauncherClient,
  createTokenSource,
  createTransport,
  md5Hex,
  type TokenSource,
} from '../../src/mlx';
import { startFakeMlxCloud, type FakeCloud } from '../helpers/fake-mlx-cloud';
import { failureOf } from '../helpers/failures';

const EMAIL = 'ops@agency.example';
const PASSWORD = 'correct-horse-battery-staple-9';
const WORKSPACE = 'ws-1234';

/** Everything a failure carries that could end up in a log, a span or Temporal history. */
function everything(err: ApplicationFailure): string {
  return JSON.stringify({
    message: err.message,
    stack: err.stack,
    details: err.details,
    cause: err.cause?.message,
  });
}

void describe('MLX cloud sign-in and the launcher token', () => {
  let cloud: FakeCloud | undefined;
  let launcher: LocalLauncher;
  let dataDir: string;
  let accept: (token: string) => boolean;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'mlx-auth-test-'));
    launcher = await startLocalLauncher({ dataDir, faults: true, acceptsToken: (t) => accept(t) });
  });
  after(async () => {
    await launcher.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await cloud?.close();
    cloud = undefined;
  });

  const startCloud = async (tokenTtlMs?: number): Promise<FakeCloud> => {
    const started = await startFakeMlxCloud({
      email: EMAIL,
      password: PASSWORD,
      workspaceId: WORKSPACE,
      tokenTtlMs,
    });
    cloud = started;
    accept = (t) => started.acceptsToken(t);
    return started;
  };
  const tokensFor = (
    cloud: FakeCloud,
    extra: { password?: string; refreshBeforeMs?: number; automation?: boolean } = {},
  ) =>
    createTokenSource({
      signIn: {
        cloudUrl: cloud.url,
        email: EMAIL,
        password: extra.password ?? PASSWORD,
        workspaceId: WORKSPACE,
        refreshBeforeMs: extra.refreshBeforeMs,
        ...(extra.automation && { automationTokenPeriod: '24h' as const }),
      },
    });
  const clientWith = (tokens: TokenSource) =>
    createLauncherClient({ baseUrl: launcher.url, tokens, timeoutMs: 2_000 });

  void it('signs in with the md5 of the password, switches to the workspace and calls the launcher', async () => {
    const cloud = await startCloud();
    const tokens = tokensFor(cloud);
    assert.deepEqual(await clientWith(tokens).version(), { version: '0.1.0', env: 'local' });
    assert.deepEqual(cloud.counts, { signIn: 1, refresh: 1, automationToken: 0, refused: 0 });
    assert.ok(tokens.secrets().includes(PASSWORD) && tokens.secrets().includes(md5Hex(PASSWORD)));
  });

  void it('shares one sign-in between concurrent calls', async () => {
    const cloud = await startCloud();
    const client = clientWith(tokensFor(cloud));
    await Promise.all([client.version(), client.statuses(), client.version()]);
    assert.equal(cloud.counts.signIn, 1);
  });

  void it('refreshes the token before it expires', async () => {
    // Tokens live 4 s and are renewed in their last second: fresh for 3 s, then renewed (no fixed sleep).
    const cloud = await startCloud(4_000);
    const tokens = tokensFor(cloud, { refreshBeforeMs: 1_000 });
    const first = await tokens.current();
    assert.equal(await tokens.current(), first, 'still fresh');
    await waitUntil(async () => (await tokens.current()) !== first, 10_000, 'a renewed token');
    const second = await tokens.current();
    assert.notEqual(second, first);
    assert.deepEqual(
      { signIn: cloud.counts.signIn, refresh: cloud.counts.refresh },
      { signIn: 1, refresh: 2 },
    );
    assert.ok(second && cloud.acceptsToken(second));
  });

  void it('on 401 refreshes the token once and repeats the request', async () => {
    const cloud = await startCloud();
    const client = clientWith(tokensFor(cloud));
    await client.version();
    cloud.revokeAll();
    assert.equal((await client.version()).version, '0.1.0');
    assert.equal(cloud.counts.refresh, 2, 'workspace switch, then one refresh after the 401');
    assert.equal(cloud.counts.signIn, 1);
  });

  void it('a 401 fault on start is answered by a refresh; a second 401 is MlxUnauthorized, not retried', async () => {
    const cloud = await startCloud();
    const client = clientWith(tokensFor(cloud));
    launcher.faults!.set('p-auth', { error: 'UNAUTHORIZED', times: 2 });
    const err = await failureOf(
      client.startProfile({ folderId: 'f', profileId: 'p-auth', headless: true }),
      'MlxUnauthorized',
    );
    assert.equal(ERROR_TYPES.MlxUnauthorized.retryable, false);
    assert.equal(cloud.counts.refresh, 2, 'exactly one refresh after the first 401');
    assert.deepEqual(launcher.faults!.list(), {}, 'both armed 401s were used, no third request');
    for (const secret of [...cloud.issued(), PASSWORD, md5Hex(PASSWORD)]) {
      assert.ok(!everything(err).includes(secret), `secret leaked: ${everything(err)}`);
    }
  });

  void it('trades the workspace token for an automation token when asked', async () => {
    const cloud = await startCloud();
    await clientWith(tokensFor(cloud, { automation: true })).version();
    assert.deepEqual(
      { signIn: cloud.counts.signIn, automationToken: cloud.counts.automationToken },
      { signIn: 1, automationToken: 1 },
    );
  });

  void it('a wrong password is MlxUnauthorized, and neither password nor its md5 is in the error', async () => {
    const cloud = await startCloud();
    const wrong = 'not-the-password-42';
    const err = await failureOf(
      clientWith(tokensFor(cloud, { password: wrong })).version(),
      'MlxUnauthorized',
    );
    assert.match(err.message, /MLX cloud POST \/user\/signin: HTTP 401/);
    assert.ok(!everything(err).includes(wrong) && !everything(err).includes(md5Hex(wrong)));
  });

  void it('a workspace the user is not in is MlxUnauthorized (403), not retried', async () => {
    const cloud = await startCloud();
    const tokens = createTokenSource({
      signIn: { cloudUrl: cloud.url, email: EMAIL, password: PASSWORD, workspaceId: 'ws-other' },
    });
    const err = await failureOf(clientWith(tokens).version(), 'MlxUnauthorized');
    assert.match(err.message, /MLX cloud POST \/user\/refresh_token: HTTP 403 WORKSPACE_ACCESS_DENIED/);
  });

  void it('a cloud that does not answer is MlxRequestFailed (retryable), not MlxAgentDown', async () => {
    const cloud = await startCloud();
    const url = cloud.url;
    await cloud.close();
    const tokens = createTokenSource({
      signIn: { cloudUrl: url, email: EMAIL, password: PASSWORD, workspaceId: WORKSPACE },
    });
    const err = await failureOf(clientWith(tokens).version(), 'MlxRequestFailed');
    assert.match(err.message, /^MLX cloud POST \/user\/signin: .*ECONNREFUSED/);
  });

  void it('a fixed token refused by the launcher fails at once, without a second request', async () => {
    accept = () => false;
    let requests = 0;
    const counting = createLauncherClient({
      baseUrl: launcher.url,
      token: 'fixed-token-abcdef',
      transport: (request) => {
        requests += 1;
        return createTransport({ timeoutMs: 2_000 })(request);
      },
    });
    const err = await failureOf(counting.version(), 'MlxUnauthorized');
    assert.equal(requests, 1);
    assert.ok(!everything(err).includes('fixed-token-abcdef'));
  });
});

void describe('launcher client headers and redaction with cloud tokens', () => {
  let server: Server;
  let url: string;
  let cloud: FakeCloud;
  const seen: { strict: string | string[] | undefined; url: string | undefined }[] = [];

  before(async () => {
    cloud = await startFakeMlxCloud({ email: EMAIL, password: PASSWORD, workspaceId: WORKSPACE });
    // Echoes the bearer token back in an error, as a careless proxy might.
    server = createServer((req, res) => {
      seen.push({ strict: req.headers['x-strict-mode'], url: req.url });
      res.writeHead(400, { 'Content-Type': 'application/json' }).end(
        JSON.stringify({
          data: null,
          status: {
            error_code: 'LOCK_PROFILE_ERROR',
            http_code: 400,
            message: `${req.headers.authorization}`,
          },
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await cloud.close();
  });

  void it('sends X-Strict-Mode on start only when configured, and redacts echoed cloud tokens', async () => {
    const tokens = createTokenSource({
      signIn: { cloudUrl: cloud.url, email: EMAIL, password: PASSWORD, workspaceId: WORKSPACE },
    });
    for (const strictMode of [true, false]) {
      const client = createLauncherClient({ baseUrl: url, tokens, strictMode });
      const err = await failureOf(
        client.startProfile({ folderId: 'f', profileId: 'p', headless: false }),
        'MlxProfileLocked',
      );
      assert.match(err.message, /LOCK_PROFILE_ERROR: Bearer \[redacted\]/);
      for (const secret of cloud.issued()) assert.ok(!everything(err).includes(secret));
    }
    assert.deepEqual(
      seen.map((s) => s.strict),
      ['true', undefined],
    );
  });
});
