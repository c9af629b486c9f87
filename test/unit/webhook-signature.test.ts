import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signWebhook, verifyWebhook } from '../../src/webhooks';

const SECRET = 'unit-test-secret-0123456789';
const body = JSON.stringify({ job_id: 'j1', status: 'completed' });

test('a signed body verifies; any change to body, time or key does not', () => {
  const headers = signWebhook(SECRET, body, 1_000_000);
  assert.match(headers['x-mlx-signature'] ?? '', /^v1=[0-9a-f]{64}$/);
  assert.deepEqual(verifyWebhook(SECRET, headers, body, { nowSec: 1_000_010 }), { ok: true });
  assert.deepEqual(verifyWebhook(SECRET, headers, body.replace('j1', 'j2'), { nowSec: 1_000_010 }), {
    ok: false,
    reason: 'bad signature',
  });
  assert.deepEqual(
    verifyWebhook('another-secret-0123456789', headers, body, { nowSec: 1_000_010 }).ok,
    false,
  );
  const moved = { ...headers, 'x-mlx-timestamp': '1000005' };
  assert.deepEqual(verifyWebhook(SECRET, moved, body, { nowSec: 1_000_010 }), {
    ok: false,
    reason: 'bad signature',
  });
});

test('an old or future timestamp is stale, a missing header is named', () => {
  const headers = signWebhook(SECRET, body, 1_000_000);
  assert.deepEqual(verifyWebhook(SECRET, headers, body, { nowSec: 1_000_301 }), {
    ok: false,
    reason: 'stale timestamp',
  });
  assert.deepEqual(verifyWebhook(SECRET, headers, body, { nowSec: 999_000 }), {
    ok: false,
    reason: 'stale timestamp',
  });
  assert.match((verifyWebhook(SECRET, {}, body) as { reason: string }).reason, /x-mlx-timestamp/);
  const unsigned = { 'x-mlx-timestamp': '1000000' };
  assert.match(
    (verifyWebhook(SECRET, unsigned, body, { nowSec: 1_000_000 }) as { reason: string }).reason,
    /x-mlx-signature/,
  );
});
