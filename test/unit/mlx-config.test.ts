import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadWorkerConfig } from '../../src/config';
import { launcherClientFromConfig } from '../../src/worker-process/mlx-launcher';
import { createLogger } from '../../src/telemetry';

/** Every worker must sign its webhooks (or say it will not): the tests give it a secret. */
const SIGNED = { MLX_WEBHOOK_SECRET: 'config-test-webhook-secret' };

const account = { MLX_EMAIL: 'ops@agency.example', MLX_PASSWORD: 'pw-123456', MLX_WORKSPACE_ID: 'ws-1' };

const refused = (env: NodeJS.ProcessEnv, pattern: RegExp) =>
  assert.throws(
    () => loadWorkerConfig({ ...SIGNED, ...env }),
    (err: Error) => err instanceof ConfigError && pattern.test(err.message),
  );

test('MLX defaults: no sign-in, cloud URL, strict mode off, verified TLS, start retry rules', () => {
  const { mlx } = loadWorkerConfig(SIGNED);
  assert.deepEqual(mlx, {
    signIn: undefined,
    strictMode: false,
    launcherCaFile: undefined,
    launcherInsecure: false,
    startRetry: { coreDownloadingDelayMs: 15_000, proxyMaxAttempts: 3 },
  });
});

test('cloud sign-in takes e-mail, password and workspace together', () => {
  const { mlx } = loadWorkerConfig({
    ...SIGNED,
    ...account,
    MLX_CLOUD_URL: 'http://127.0.0.1:9/',
    MLX_AUTOMATION_TOKEN: '24h',
  });
  assert.deepEqual(mlx.signIn, {
    cloudUrl: 'http://127.0.0.1:9',
    email: account.MLX_EMAIL,
    password: account.MLX_PASSWORD,
    workspaceId: 'ws-1',
    automationTokenPeriod: '24h',
  });
  assert.equal(
    loadWorkerConfig({ ...SIGNED, ...account }).mlx.signIn?.cloudUrl,
    'https://api.multilogin.com',
  );
  refused({ MLX_EMAIL: 'a@b.c', MLX_PASSWORD: 'x' }, /^bad setting MLX_WORKSPACE_ID: cloud sign-in needs/);
  refused({ ...account, MLX_TOKEN: 'tok' }, /^bad setting MLX_TOKEN: set either MLX_TOKEN or/);
  refused({ MLX_AUTOMATION_TOKEN: '24h' }, /^bad setting MLX_AUTOMATION_TOKEN: needs MLX_EMAIL/);
  refused(
    { ...account, MLX_AUTOMATION_TOKEN: 'forever' },
    /^bad setting MLX_AUTOMATION_TOKEN: must be 24h or no_exp/,
  );
});

test('TLS, strict mode and retry rule settings are validated by name', () => {
  const { mlx } = loadWorkerConfig({
    ...SIGNED,
    MLX_LAUNCHER_CA_FILE: '/etc/mlx/ca.pem',
    MLX_STRICT_MODE: 'true',
    MLX_CORE_DOWNLOADING_RETRY_MS: '20000',
    MLX_PROXY_MAX_ATTEMPTS: '5',
  });
  assert.equal(mlx.launcherCaFile, '/etc/mlx/ca.pem');
  assert.equal(mlx.strictMode, true);
  assert.deepEqual(mlx.startRetry, { coreDownloadingDelayMs: 20_000, proxyMaxAttempts: 5 });
  refused(
    { MLX_LAUNCHER_CA_FILE: '/x.pem', MLX_LAUNCHER_INSECURE: 'true' },
    /^bad setting MLX_LAUNCHER_INSECURE/,
  );
  refused({ MLX_LAUNCHER_INSECURE: 'maybe' }, /^bad setting MLX_LAUNCHER_INSECURE/);
  refused({ MLX_PROXY_MAX_ATTEMPTS: '0' }, /^bad setting MLX_PROXY_MAX_ATTEMPTS/);
  refused({ MLX_CLOUD_URL: 'ftp://x' }, /^bad setting MLX_CLOUD_URL: must be an http\(s\) URL/);
});

test('an unreadable CA file stops start-up naming MLX_LAUNCHER_CA_FILE; insecure is logged loudly without secrets', () => {
  const config = loadWorkerConfig({ ...SIGNED, MLX_LAUNCHER_CA_FILE: '/nonexistent/ca.pem' });
  assert.throws(
    () =>
      launcherClientFromConfig(
        config,
        'https://launcher.mlx.yt:45001',
        createLogger({ write: () => undefined }),
      ),
    (err: Error) =>
      err instanceof ConfigError && /^bad setting MLX_LAUNCHER_CA_FILE: cannot read/.test(err.message),
  );
  const lines: string[] = [];
  const insecure = loadWorkerConfig({ ...SIGNED, ...account, MLX_LAUNCHER_INSECURE: 'true' });
  launcherClientFromConfig(
    insecure,
    'https://127.0.0.1:45001',
    createLogger({ write: (l) => lines.push(l) }),
  );
  assert.match(
    lines.join('\n'),
    /"level":"warn","msg":"MLX_LAUNCHER_INSECURE=true: the launcher certificate is NOT verified/,
  );
  assert.ok(!lines.join('\n').includes(account.MLX_PASSWORD));
});
