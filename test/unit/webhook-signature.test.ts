import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { signWebhook, verifyWebhook } from '../../src/webhooks';

const SECRET = 'unit-test-secret-0123456789';
const NEW = 'rotated-secret-abcdefghijklmnop';
const KEY = 'j1:completed:run-1';
const body = JSON.stringify({ job_id: 'j1', status: 'completed' });
const at = 1_000_000;
const signed = (secrets: string[], key = KEY, nowSec = at): Record<string, string> => ({
  ...signWebhook(secrets, key, body, nowSec),
  'idempotency-key': key,
});

test('a signed body verifies; a change to body, time, idempotency key or secret does not', () => {
  const headers = signed([SECRET]);
  assert.match(headers['x-mlx-signature'] ?? '', /^v1=[0-9a-f]{64}$/);
  assert.deepEqual(verifyWebhook(SECRET, headers, body, { nowSec: at + 10 }), { ok: true });
  const refused = (h: Record<string, string>, b = body, secret = SECRET) =>
    verifyWebhook(secret, h, b, { nowSec: at + 10 });
  assert.deepEqual(refused(headers, body.replace('j1', 'j2')), { ok: false, reason: 'bad signature' });
  assert.equal(refused(headers, body, 'another-secret-0123456789').ok, false);
  assert.deepEqual(refused({ ...headers, 'x-mlx-timestamp': String(at + 5) }), {
    ok: false,
    reason: 'bad signature',
  });
  assert.deepEqual(refused({ ...headers, 'idempotency-key': 'j1:failed:run-1' }), {
    ok: false,
    reason: 'bad signature',
  });
});

test('during a rotation a delivery carries both signatures and either secret verifies it', () => {
  const headers = signed([NEW, SECRET]);
  assert.match(headers['x-mlx-signature'] ?? '', /^v1=[0-9a-f]{64}, v1=[0-9a-f]{64}$/);
  assert.equal(
    verifyWebhook(SECRET, headers, body, { nowSec: at }).ok,
    true,
    'a receiver still on the old secret',
  );
  assert.equal(
    verifyWebhook([NEW], headers, body, { nowSec: at }).ok,
    true,
    'a receiver already on the new one',
  );
  assert.equal(verifyWebhook('unrelated-secret-0123456789', headers, body, { nowSec: at }).ok, false);
});

test('an old or future timestamp is stale, a missing header is named', () => {
  const headers = signed([SECRET]);
  assert.deepEqual(verifyWebhook(SECRET, headers, body, { nowSec: at + 301 }), {
    ok: false,
    reason: 'stale timestamp',
  });
  assert.deepEqual(verifyWebhook(SECRET, headers, body, { nowSec: at - 1000 }).ok, false);
  assert.match((verifyWebhook(SECRET, {}, body) as { reason: string }).reason, /x-mlx-timestamp/);
  assert.match(
    (verifyWebhook(SECRET, { 'x-mlx-timestamp': String(at) }, body, { nowSec: at }) as { reason: string })
      .reason,
    /x-mlx-signature/,
  );
});

test('parsing is strict: trailing garbage, upper case, short hex or another scheme never verify', () => {
  const good = signed([SECRET]);
  const sig = good['x-mlx-signature']!;
  for (const bad of [
    `${sig}00`,
    `${sig}zz`,
    sig.toUpperCase().replace('V1', 'v1'),
    sig.slice(0, -2),
    sig.replace('v1=', 'v0='),
    `${sig},`,
    ` ${sig};`,
  ]) {
    assert.equal(
      verifyWebhook(SECRET, { ...good, 'x-mlx-signature': bad }, body, { nowSec: at }).ok,
      false,
      bad,
    );
  }
});

test('property: any body, key and secret round-trip, and any one-character change of the body is refused', () => {
  fc.assert(
    fc.property(
      fc.string(),
      fc.string({ minLength: 1, maxLength: 80 }),
      fc.string({ minLength: 16, maxLength: 64 }),
      fc.nat(),
      (text, key, secret, index) => {
        const headers = { ...signWebhook([secret], key, text, at), 'idempotency-key': key };
        assert.equal(verifyWebhook(secret, headers, text, { nowSec: at }).ok, true);
        const changed = text.length
          ? text.slice(0, index % text.length) + '\u0000' + text.slice((index % text.length) + 1)
          : 'x';
        if (changed !== text) assert.equal(verifyWebhook(secret, headers, changed, { nowSec: at }).ok, false);
      },
    ),
  );
  fc.assert(
    fc.property(fc.string(), (header) => {
      const verdict = verifyWebhook(
        SECRET,
        { 'x-mlx-timestamp': String(at), 'x-mlx-signature': header },
        body,
        {
          nowSec: at,
        },
      );
      assert.equal(verdict.ok, false);
    }),
  );
});
