import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadWorkerConfig } from '../../src/config';

/** Every worker must sign its webhooks (or say it will not): the tests give it a secret. */
const SIGNED = { MLX_WEBHOOK_SECRET: 'config-test-webhook-secret' };

test('defaults are the embedded single-machine setup', () => {
  const config = loadWorkerConfig({ ...SIGNED, MLX_WORKER_ID: 'w1' });
  assert.equal(config.temporal.connection.address, '127.0.0.1:7233');
  assert.equal(config.temporal.namespace, 'default');
  assert.equal(config.launcherUrl, undefined);
  assert.equal(config.headless, true);
  assert.equal(config.temporal.connection.tls, undefined);
});

test('a bad setting is refused in one line naming the variable', () => {
  assert.throws(
    () => loadWorkerConfig({ ...SIGNED, MLX_LEASE_TTL_MS: 'soon' }),
    (err: Error) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /^bad setting MLX_LEASE_TTL_MS: /);
      assert.doesNotMatch(err.message, /\n/);
      return true;
    },
  );
  assert.throws(
    () => loadWorkerConfig({ ...SIGNED, MLX_LAUNCHER_URL: 'launcher:45001' }),
    /MLX_LAUNCHER_URL/,
  );
  assert.throws(
    () => loadWorkerConfig({ ...SIGNED, TEMPORAL_TLS_CLIENT_CERT_PATH: '/x.pem' }),
    /TEMPORAL_TLS_CLIENT_KEY_PATH/,
  );
});

test('an API key turns TLS on, as Temporal Cloud needs', () => {
  assert.equal(loadWorkerConfig({ ...SIGNED, TEMPORAL_API_KEY: 'k' }).temporal.connection.tls, true);
});

test('an empty variable counts as unset', () => {
  assert.equal(
    loadWorkerConfig({ ...SIGNED, MLX_LAUNCHER_URL: '', MLX_LEASE_TTL_MS: '' }).launcherUrl,
    undefined,
  );
});

test("each task attempt's trace: actions by default, full or off when set, the old booleans still read", () => {
  const detail = (value?: string) =>
    loadWorkerConfig({ ...SIGNED, MLX_WORKER_ID: 'w1', MLX_TRACE_FAILED_ATTEMPTS: value }).failureTrace
      .detail;
  assert.equal(detail(), 'actions');
  assert.equal(detail('full'), 'full');
  assert.equal(detail('off'), 'off');
  assert.equal(detail('true'), 'actions');
  assert.equal(detail('false'), 'off');
  assert.throws(
    () => detail('screenshots'),
    (err: unknown) =>
      err instanceof ConfigError && /MLX_TRACE_FAILED_ATTEMPTS: one of actions, full, off/.test(err.message),
  );
});
