import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startLocalLauncher, type LocalLauncher } from '../../src/launcher';

// The embedded launcher answers only its worker: its token, its own Host, a cap on profiles.
const TOKEN = 'a'.repeat(64);
let dir: string;
let launcher: LocalLauncher;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mlx-guard-'));
  launcher = await startLocalLauncher({ dataDir: dir, token: TOKEN, maxProfiles: 1, faults: true });
});
after(async () => {
  await launcher?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A raw request, so the Host header can be anything a browser page could send. */
function call(path: string, headers: Record<string, string>, method = 'GET'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: launcher.port, path, method, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(method === 'POST' ? '{"error":"LOCK_PROFILE_ERROR"}' : undefined);
  });
}
const auth = { authorization: `Bearer ${TOKEN}` };

test('a request for another host name (DNS rebinding) is refused, even with the token', async () => {
  const host = { host: `127.0.0.1:${launcher.port}` };
  assert.equal(await call('/api/v1/version', { ...auth, ...host }), 200);
  assert.equal(await call('/api/v1/version', { ...auth, host: `localhost:${launcher.port}` }), 200);
  assert.equal(await call('/api/v1/version', { ...auth, host: `evil.example:${launcher.port}` }), 421);
  assert.equal(await call('/api/v1/profile/stop_all', { ...auth, host: 'rebind.attacker.test' }), 421);
});

test('every endpoint, stop_all and the fault switch included, needs the token', async () => {
  const host = { host: `127.0.0.1:${launcher.port}` };
  for (const path of [
    '/api/v1/version',
    '/api/v1/profile/stop_all',
    '/api/v1/profile/statuses',
    '/_faults',
  ]) {
    assert.equal(await call(path, host), 401, path);
    assert.equal(await call(path, { ...host, authorization: `Bearer ${'a'.repeat(63)}b` }), 401, path);
  }
  assert.equal(await call('/_faults/p/p1', host, 'POST'), 401);
  assert.equal(await call('/_faults/p/p1', { ...host, ...auth }, 'POST'), 200);
  assert.equal(await call('/_faults', { ...host, ...auth }, 'DELETE'), 200);
});

test('the cap on open profiles holds, and a failed start leaves no profile directory', async () => {
  const host = { host: `127.0.0.1:${launcher.port}` };
  const start = (id: string) =>
    call(`/api/v2/profile/f/f1/p/${id}/start?automation_type=playwright&headless_mode=true`, {
      ...host,
      ...auth,
    });
  assert.equal(await start('cap-1'), 200);
  assert.equal(await start('cap-2'), 429, 'a second profile is over the cap of one');
  assert.equal(await call('/api/v1/profile/stop/p/cap-1', { ...host, ...auth }), 200);
  assert.ok(!readdirSync(join(dir, 'profiles')).includes('cap-2'));
});

test('a failed start removes the directory it created', async () => {
  const broken = await startLocalLauncher({
    dataDir: join(dir, 'broken'),
    chromiumPath: '/bin/false',
    token: TOKEN,
  });
  try {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: broken.port,
          path: '/api/v2/profile/f/f1/p/never/start?automation_type=playwright&headless_mode=true',
          headers: auth,
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 500);
    const profiles = join(dir, 'broken', 'profiles');
    assert.deepEqual(readdirSync(profiles), []);
  } finally {
    await broken.close();
  }
});

test("the browser's environment holds none of the worker's secrets, and only what it needs", async () => {
  const secret = 'planted-worker-secret-0123456789';
  process.env.MLX_TASK_SECRETS = JSON.stringify({ shop: { password: secret } });
  process.env.MLX_WEBHOOK_SECRET = secret;
  try {
    const host = { host: `127.0.0.1:${launcher.port}` };
    // Room under the cap of one, whatever ran before: this test starts its own browser.
    assert.equal(await call('/api/v1/profile/stop_all', { ...host, ...auth }), 200);
    const started = await call(
      '/api/v2/profile/f/f1/p/env-1/start?automation_type=playwright&headless_mode=true',
      { ...host, ...auth },
    );
    assert.equal(started, 200);
    const running = launcher.runningProfiles().find((p) => p.profileId === 'env-1');
    const environ = readFileSync(`/proc/${running!.pid}/environ`, 'utf8');
    assert.ok(!environ.includes(secret), 'no secret in the browser environment');
    const keys = environ
      .split('\0')
      .filter(Boolean)
      .map((entry) => entry.split('=')[0]);
    assert.ok(
      keys.every((key) => !/MLX_|TEMPORAL_|OTEL_/.test(key!)),
      keys.join(' '),
    );
    assert.equal(await call('/api/v1/profile/stop/p/env-1', { ...host, ...auth }), 200);
  } finally {
    delete process.env.MLX_TASK_SECRETS;
    delete process.env.MLX_WEBHOOK_SECRET;
  }
});
