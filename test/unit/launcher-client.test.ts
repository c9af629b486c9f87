import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { NON_RETRYABLE_ERROR_TYPES } from '../../src/contract';
import { createLauncherClient, type LauncherClient } from '../../src/mlx';
import { failureOf } from '../helpers/failures';

const TOKEN = 'tok-3f9a1c77-secret-value';

interface Seen {
  url: string;
  authorization: string | undefined;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

function envelope(
  res: ServerResponse,
  httpCode: number,
  data: unknown,
  errorCode = '',
  message = '',
  headers: Record<string, string> = {},
) {
  res
    .writeHead(httpCode, { 'Content-Type': 'application/json', ...headers })
    .end(JSON.stringify({ data, status: { error_code: errorCode, http_code: httpCode, message } }));
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
}

function detailsOf(err: ApplicationFailure): Record<string, unknown> {
  return (err.details?.[0] ?? {}) as Record<string, unknown>;
}

void describe('launcher client', () => {
  let server: Server;
  let baseUrl: string;
  let handler: Handler;
  let seen: Seen[];
  let client: LauncherClient;

  before(async () => {
    server = createServer((req, res) => {
      seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
      handler(req, res);
    });
    baseUrl = `http://127.0.0.1:${await listen(server)}`;
  });

  after(() => close(server));

  beforeEach(() => {
    seen = [];
    handler = (_req, res) => envelope(res, 500, null, 'UNEXPECTED', 'no handler set');
    client = createLauncherClient({ baseUrl, token: TOKEN, timeoutMs: 2_000 });
  });

  const start = () => client.startProfile({ folderId: 'folder-1', profileId: 'profile-1', headless: true });

  void it('starts a profile for playwright, port as a string', async () => {
    handler = (_req, res) =>
      envelope(
        res,
        200,
        { browser_type: 'mimic', core_version: 132, id: 'profile-1', is_quick: false, port: '55513' },
        '',
        'Profile started successfully',
      );
    assert.deepEqual(await start(), { port: 55513, browserType: 'mimic', coreVersion: 132 });
    assert.deepEqual(seen, [
      {
        url: '/api/v2/profile/f/folder-1/p/profile-1/start?automation_type=playwright&headless_mode=true',
        authorization: `Bearer ${TOKEN}`,
      },
    ]);
  });

  void it('accepts the port as a number and sends headless_mode=false', async () => {
    handler = (_req, res) => envelope(res, 200, { port: 40123, extra: 'ignored' });
    const started = await client.startProfile({ folderId: 'f', profileId: 'p', headless: false });
    assert.deepEqual(started, { port: 40123 });
    assert.match(seen[0]?.url ?? '', /headless_mode=false$/);
  });

  void it('refuses a Stealthfox profile as MlxWrongBrowserType, which is never retried', async () => {
    handler = (_req, res) => envelope(res, 200, { port: '40123', browser_type: 'stealthfox' });
    const err = await failureOf(
      client.startProfile({ folderId: 'f', profileId: 'p-fox', headless: true }),
      'MlxWrongBrowserType',
    );
    assert.match(err.message, /p-fox is a Stealthfox profile/);
    assert.ok(NON_RETRYABLE_ERROR_TYPES.includes('MlxWrongBrowserType'));
  });

  void it('sends no Authorization header without a token', async () => {
    client = createLauncherClient({ baseUrl: `${baseUrl}/` });
    handler = (_req, res) => envelope(res, 200, { version: '1.2.3', env: 'prod' });
    assert.deepEqual(await client.version(), { version: '1.2.3', env: 'prod' });
    assert.deepEqual(seen, [{ url: '/api/v1/version', authorization: undefined }]);
  });

  const errorCodes: [string, number, string][] = [
    ['PROFILE_ALREADY_RUNNING', 400, 'MlxProfileAlreadyRunning'],
    ['LOCK_PROFILE_ERROR', 400, 'MlxProfileLocked'],
    ['CORE_DOWNLOADING_STARTED', 500, 'MlxCoreDownloading'],
    ['GET_PROXY_CONNECTION_IP_ERROR', 500, 'MlxProxyFailed'],
    ['SOMETHING_NEW', 500, 'MlxRequestFailed'],
  ];
  for (const [errorCode, httpCode, type] of errorCodes) {
    void it(`maps ${errorCode} to ${type}`, async () => {
      handler = (_req, res) => envelope(res, httpCode, null, errorCode, 'it went wrong');
      const err = await failureOf(start(), type);
      assert.match(err.message, new RegExp(`${errorCode}: it went wrong`));
      assert.deepEqual(detailsOf(err), {
        http_status: httpCode,
        error_code: errorCode,
        path: '/api/v2/profile/f/folder-1/p/profile-1/start',
      });
    });
  }

  void it('reads an error code even when the HTTP status is 200', async () => {
    handler = (_req, res) =>
      res.writeHead(200).end(
        JSON.stringify({
          status: { error_code: 'LOCK_PROFILE_ERROR', http_code: 400, message: "can't lock profile" },
        }),
      );
    await failureOf(start(), 'MlxProfileLocked');
  });

  void it('maps HTTP 401 to MlxUnauthorized, whatever the body', async () => {
    handler = (_req, res) => res.writeHead(401).end('Unauthorized');
    const err = await failureOf(start(), 'MlxUnauthorized');
    assert.equal(detailsOf(err).http_status, 401);
  });

  void it('maps HTTP 429 to MlxRateLimited and honours Retry-After in seconds', async () => {
    handler = (_req, res) =>
      envelope(res, 429, null, 'TOO_MANY_REQUESTS', 'slow down', { 'Retry-After': '7' });
    const err = await failureOf(client.statuses(), 'MlxRateLimited');
    assert.equal(err.nextRetryDelay, 7_000);
    assert.equal(detailsOf(err).retry_after_ms, 7_000);
  });

  void it('honours Retry-After as an HTTP date', async () => {
    const at = new Date(Date.now() + 60_000).toUTCString();
    handler = (_req, res) => res.writeHead(429, { 'Retry-After': at }).end();
    const err = await failureOf(start(), 'MlxRateLimited');
    assert.equal(typeof err.nextRetryDelay, 'number');
    assert.ok((err.nextRetryDelay as number) > 55_000 && (err.nextRetryDelay as number) <= 60_000);
  });

  void it('leaves the retry delay to the policy when 429 has no Retry-After', async () => {
    handler = (_req, res) => envelope(res, 429, null, '', 'slow down');
    const err = await failureOf(start(), 'MlxRateLimited');
    assert.equal(err.nextRetryDelay, undefined);
  });

  void it('maps a body that is not JSON to MlxBadResponse', async () => {
    handler = (_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>proxy</html>');
    await failureOf(start(), 'MlxBadResponse');
  });

  void it('maps JSON that is not an envelope to MlxBadResponse', async () => {
    handler = (_req, res) => res.writeHead(200).end(JSON.stringify({ port: 1234 }));
    await failureOf(start(), 'MlxBadResponse');
  });

  void it('maps start data without a usable port to MlxBadResponse', async () => {
    handler = (_req, res) => envelope(res, 200, { port: 'not-a-port' });
    const err = await failureOf(start(), 'MlxBadResponse');
    assert.match(err.message, /data\.port/);
  });

  void it('maps a refused connection to MlxAgentDown', async () => {
    const closed = createServer();
    const port = await listen(closed);
    await close(closed);
    client = createLauncherClient({ baseUrl: `http://127.0.0.1:${port}`, token: TOKEN });
    const err = await failureOf(start(), 'MlxAgentDown');
    assert.equal(detailsOf(err).cause_code, 'ECONNREFUSED');
    assert.equal(detailsOf(err).path, '/api/v2/profile/f/folder-1/p/profile-1/start');
  });

  void it('maps a launcher that never answers to MlxAgentDown after the timeout', async () => {
    handler = () => undefined;
    client = createLauncherClient({ baseUrl, token: TOKEN, timeoutMs: 150 });
    const err = await failureOf(start(), 'MlxAgentDown');
    assert.match(err.message, /no answer within 150 ms/);
  });

  void it('stops a running profile', async () => {
    handler = (_req, res) => envelope(res, 200, null, '', 'Profile stopped');
    assert.deepEqual(await client.stopProfile('profile-1'), { alreadyStopped: false });
    assert.equal(seen[0]?.url, '/api/v1/profile/stop/p/profile-1');
  });

  void it('counts HTTP 500 "Profile already stopped" as stopped', async () => {
    handler = (_req, res) => envelope(res, 500, null, '', 'Profile already stopped');
    assert.deepEqual(await client.stopProfile('profile-1'), { alreadyStopped: true });
  });

  void it('counts HTTP 404 on stop as stopped', async () => {
    handler = (_req, res) => res.writeHead(404).end('not found');
    assert.deepEqual(await client.stopProfile('profile-1'), { alreadyStopped: true });
  });

  void it('still fails a stop that fails for another reason', async () => {
    handler = (_req, res) => envelope(res, 500, null, 'INTERNAL', 'disk full');
    await failureOf(client.stopProfile('profile-1'), 'MlxRequestFailed');
  });

  void it('parses statuses', async () => {
    handler = (_req, res) =>
      envelope(res, 200, {
        active_counter: { cloud: 0, local: 1, quick: 0 },
        states: {
          'profile-1': { profile_id: 'profile-1', status: 'browser_running', folder_id: 'f', in_use_by: 'x' },
        },
      });
    const statuses = await client.statuses();
    assert.equal(statuses.states['profile-1']?.status, 'browser_running');
    assert.equal(statuses.active_counter?.local, 1);
  });

  void it('never puts the token in an error, even when the launcher echoes it', async () => {
    const echo: Handler = (req, res) =>
      envelope(
        res,
        400,
        { auth: req.headers.authorization },
        'LOCK_PROFILE_ERROR',
        `${req.headers.authorization}`,
      );
    const cases: [Handler, string][] = [
      [echo, 'MlxProfileLocked'],
      [(req, res) => res.writeHead(401).end(`bad token ${req.headers.authorization}`), 'MlxUnauthorized'],
      [(req, res) => res.writeHead(200).end(`not json ${req.headers.authorization}`), 'MlxBadResponse'],
    ];
    for (const [h, type] of cases) {
      handler = h;
      const err = await failureOf(start(), type);
      const everything = JSON.stringify({
        err,
        message: err.message,
        stack: err.stack,
        details: err.details,
        cause: err.cause ? { message: err.cause.message, stack: err.cause.stack } : null,
      });
      assert.ok(!everything.includes(TOKEN), `token leaked in ${type}: ${everything}`);
      assert.equal(seen.at(-1)?.authorization, `Bearer ${TOKEN}`);
    }
  });
});
