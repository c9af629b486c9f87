import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startLocalLauncher } from '../../src/launcher';
import { silentLogger } from '../../src/telemetry';
import { createLauncherClient } from '../../src/mlx';
import { processesWith, waitUntil } from '../helpers/processes';

const ROOT = join(__dirname, '..', '..');

/** The standalone launcher (src/launcher/standalone.ts) as a user runs it: its URL and its stderr so far. */
async function spawnStandalone(dir: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'launcher', 'standalone.ts')], {
    env: { ...process.env, MLX_DATA_DIR: dir, MLX_LOG_LEVEL: 'warn', MLX_LOCAL_LAUNCHER_TOKEN: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once('exit', () => reject(new Error('the launcher exited')));
  });
  return { child, url, stderr: () => stderr };
}
let dataDir: string | undefined;
after(async () => {
  if (!dataDir) return;
  for (const p of processesWith(dataDir)) process.kill(p.pid, 'SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

test('the standalone launcher answers only its own token (a file it made); restarted after a SIGKILL it finds the browsers the dead one left, and stops them', async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'mlx-launcher-restart-'));
  const userDataDir = join(dataDir, 'profiles', 'left-open');
  const browsers = () => processesWith(`--user-data-dir=${userDataDir}`);

  // The launcher CLI as its own process, killed without a chance to stop its browser.
  // Started without MLX_LOCAL_LAUNCHER_TOKEN: it makes a token of its own and says where it is.
  const { child: dead, url, stderr } = await spawnStandalone(dataDir);
  const tokenFile = join(dataDir, 'launcher-token');
  await waitUntil(() => stderr().includes(tokenFile), 10_000, 'the launcher to name its token file');
  assert.equal(statSync(tokenFile).mode & 0o777, 0o600, 'the token file is for its user only');
  const token = readFileSync(tokenFile, 'utf8').trim();
  // A web page's plain GET (no token, a foreign Origin) stops nothing; a preflight is not granted.
  const plain = await fetch(`${url}/api/v1/profile/stop_all?type=all`, {
    headers: { origin: 'http://evil.example' },
  });
  assert.equal(plain.status, 401);
  const preflight = await fetch(`${url}/api/v1/profile/stop_all`, {
    method: 'OPTIONS',
    headers: { origin: 'http://evil.example', 'access-control-request-headers': 'authorization' },
  });
  assert.equal(preflight.headers.get('access-control-allow-origin'), null);
  assert.notEqual(preflight.status, 204);
  await createLauncherClient({ baseUrl: url, token, timeoutMs: 20_000 }).startProfile({
    folderId: 'f',
    profileId: 'left-open',
    headless: true,
  });
  dead.kill('SIGKILL');
  await new Promise((resolve) => dead.once('exit', resolve));
  assert.ok(browsers().length > 0, 'the browser outlives its launcher');

  // A record whose pid is alive but is not that browser (a reused pid) is dropped, never signalled.
  const running = join(dataDir, 'running');
  await mkdir(running, { recursive: true });
  const stranger = join(running, 'reused-pid.json');
  await writeFile(
    stranger,
    JSON.stringify({
      profile_id: 'reused-pid',
      folder_id: 'f',
      pid: process.pid,
      port: 9,
      user_data_dir: join(dataDir, 'profiles', 'reused-pid'),
      browser_version: 'Chrome/1.0',
      web_socket_debugger_url: 'ws://127.0.0.1:9/devtools/browser/x',
      started_at: Date.now(),
    }),
  );

  const restarted = await startLocalLauncher({ dataDir, log: silentLogger });
  try {
    const client = createLauncherClient({ baseUrl: restarted.url, timeoutMs: 20_000 });
    const { states } = await client.statuses();
    assert.deepEqual(Object.keys(states), ['left-open']);
    assert.equal(states['left-open']?.status, 'browser_running');
    assert.equal(existsSync(stranger), false, 'the stranger record is gone');

    assert.deepEqual(await client.stopProfile('left-open'), { alreadyStopped: false });
    await waitUntil(() => browsers().length === 0, 10_000, 'the left browser to be gone');
    assert.equal(existsSync(join(running, 'left-open.json')), false, 'its record is removed');
  } finally {
    await restarted.close();
  }
});
