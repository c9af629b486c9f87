import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ERROR_TYPES } from '../../src/contract';
import { startLocalLauncher, type LocalLauncher } from '../../src/launcher';
import { createLauncherClient, type LauncherClient } from '../../src/mlx';
import { selfSignedCert } from '../helpers/tls';
import { failureOf } from '../helpers/failures';

async function arm(launcher: LocalLauncher, profileId: string, body: unknown): Promise<Response> {
  return fetch(`${launcher.url}/_faults/p/${profileId}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'mlx-faults-test-'));
  dirs.push(dir);
  return dir;
};
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

void describe('the local launcher fault switch', () => {
  let launcher: LocalLauncher;
  let client: LauncherClient;
  before(async () => {
    launcher = await startLocalLauncher({ dataDir: tempDir(), faults: true });
    client = createLauncherClient({ baseUrl: launcher.url, timeoutMs: 2_000 });
  });
  after(() => launcher.close());

  const start = (profileId: string) => client.startProfile({ folderId: 'f', profileId, headless: true });

  const cases: [string, string, boolean][] = [
    ['PROFILE_ALREADY_RUNNING', 'MlxProfileAlreadyRunning', true],
    ['LOCK_PROFILE_ERROR', 'MlxProfileLocked', true],
    ['CORE_DOWNLOADING_STARTED', 'MlxCoreDownloading', true],
    ['GET_PROXY_CONNECTION_IP_ERROR', 'MlxProxyFailed', true],
    ['UNAUTHORIZED', 'MlxUnauthorized', false],
    ['RATE_LIMITED', 'MlxRateLimited', true],
    ['AGENT_DOWN', 'MlxAgentDown', true],
  ];
  for (const [error, type, retryable] of cases) {
    void it(`answers ${error} as armed, ${type} (${retryable ? '' : 'not '}retryable)`, async () => {
      const profileId = `p-${error.toLowerCase()}`;
      const armed = await arm(launcher, profileId, { error, times: 2 });
      assert.equal(armed.status, 200);
      for (let i = 0; i < 2; i++) {
        const err = await failureOf(start(profileId), type);
        assert.equal(ERROR_TYPES[err.type as keyof typeof ERROR_TYPES].retryable, retryable);
      }
      assert.deepEqual(launcher.faults!.list(), {}, 'the fault is used up after `times` starts');
    });
  }

  void it('sends Retry-After with RATE_LIMITED, which becomes nextRetryDelay', async () => {
    await arm(launcher, 'p-429', { error: 'RATE_LIMITED', retry_after_s: 3 });
    const err = await failureOf(start('p-429'), 'MlxRateLimited');
    assert.equal(err.nextRetryDelay, 3_000);
  });

  void it('faults one profile only, and lists and clears armed faults', async () => {
    await arm(launcher, 'p-a', { error: 'LOCK_PROFILE_ERROR', times: 5 });
    await arm(launcher, 'p-b', { error: 'CORE_DOWNLOADING_STARTED' });
    const listed = (await (await fetch(`${launcher.url}/_faults`)).json()) as { data: unknown };
    assert.deepEqual(listed.data, {
      'p-a': { error: 'LOCK_PROFILE_ERROR', times: 5, on: 'start', delay_ms: 0 },
      'p-b': { error: 'CORE_DOWNLOADING_STARTED', times: 1, on: 'start', delay_ms: 0 },
    });
    assert.equal((await fetch(`${launcher.url}/_faults/p/p-a`, { method: 'DELETE' })).status, 200);
    assert.deepEqual(Object.keys(launcher.faults!.list()), ['p-b']);
    assert.equal((await fetch(`${launcher.url}/_faults`, { method: 'DELETE' })).status, 200);
    assert.deepEqual(launcher.faults!.list(), {});
  });

  void it('refuses a fault it does not know, naming the field', async () => {
    const res = await arm(launcher, 'p-x', { error: 'DISK_FULL', times: 1 });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { status: { message: string } };
    assert.match(body.status.message, /^error: /);
    assert.match(
      await (await arm(launcher, 'p-x', { error: 'LOCK_PROFILE_ERROR', times: 0 })).text(),
      /times/,
    );
  });

  void it('has no fault switch unless enabled', async () => {
    const plain = await startLocalLauncher({ dataDir: tempDir() });
    try {
      assert.equal((await arm(plain, 'p', { error: 'LOCK_PROFILE_ERROR' })).status, 405);
      assert.equal(plain.faults, undefined);
    } finally {
      await plain.close();
    }
  });

  void it('a stopped launcher is MlxAgentDown (connection refused)', async () => {
    const gone = await startLocalLauncher({ dataDir: tempDir() });
    await gone.close();
    const err = await failureOf(createLauncherClient({ baseUrl: gone.url }).version(), 'MlxAgentDown');
    assert.equal((err.details?.[0] as { cause_code: string }).cause_code, 'ECONNREFUSED');
  });

  void it('stop of a profile that is not running is success (idempotent)', async () => {
    assert.deepEqual(await client.stopProfile('never-started'), { alreadyStopped: true });
    assert.equal((await client.status('never-started')).status, 'stopped');
  });
});

void describe('the local launcher over https', () => {
  let launcher: LocalLauncher;
  let cert: Buffer;
  before(async () => {
    const tls = selfSignedCert('IP:127.0.0.1,DNS:localhost');
    cert = tls.cert;
    launcher = await startLocalLauncher({ dataDir: tempDir(), tls });
  });
  after(() => launcher.close());

  void it('is trusted with the CA file', async () => {
    assert.match(launcher.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const client = createLauncherClient({ baseUrl: launcher.url, ca: cert });
    assert.equal((await client.version()).env, 'local');
  });

  void it('without the CA is MlxTlsFailed, not retryable, with a hint', async () => {
    const err = await failureOf(createLauncherClient({ baseUrl: launcher.url }).version(), 'MlxTlsFailed');
    assert.equal(ERROR_TYPES.MlxTlsFailed.retryable, false);
    assert.match(err.message, /MLX_LAUNCHER_CA_FILE/);
  });

  void it('with a CA for another name is MlxTlsFailed', async () => {
    const other = selfSignedCert('DNS:other.example');
    const err = await failureOf(
      createLauncherClient({ baseUrl: launcher.url, ca: other.cert }).version(),
      'MlxTlsFailed',
    );
    assert.ok(err.message.length > 0);
  });

  void it('answers without verification when insecure is asked for', async () => {
    const client = createLauncherClient({ baseUrl: launcher.url, insecure: true });
    assert.equal((await client.version()).env, 'local');
  });
});
