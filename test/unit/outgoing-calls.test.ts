import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setOutputFilter } from '../../src/telemetry';
import { outgoingUrlAttributes, redisStatement } from '../../src/telemetry/outgoing-calls';

// What the spans of the worker's own calls say of them: enough to tell which call it was, never a value.

test('a Redis command shows its name and keys, never a script, a value or a password', () => {
  assert.equal(
    redisStatement('eval', [
      'local current = redis.call(…)',
      2,
      'mlx:lease:p1',
      'mlx:lease-token',
      'w1',
      'job-1',
    ]),
    'EVAL mlx:lease:p1 mlx:lease-token',
  );
  assert.equal(redisStatement('evalsha', ['0123abcd', 1, 'mlx:lease:p1', 42]), 'EVALSHA mlx:lease:p1');
  assert.equal(redisStatement('mget', ['mlx:lease:a', 'mlx:lease:b']), 'MGET mlx:lease:a mlx:lease:b');
  assert.equal(redisStatement('auth', ['default', 's3cret-redis-pw']), 'AUTH [2 arguments]');
  assert.equal(redisStatement('set', ['mlx:blob:k', 'ciphertext', 'PX', 1000]), 'SET [4 arguments]');
  assert.equal(redisStatement('scan', [0, 'MATCH', 'mlx:lease:*']), 'SCAN [3 arguments]');
  assert.equal(redisStatement('ping', []), 'PING');
});

test("an outgoing request's URL loses its query string and user info, and known secrets are redacted", () => {
  setOutputFilter((text) => text.replaceAll('tok-in-path', '[redacted]'));
  try {
    assert.deepEqual(
      outgoingUrlAttributes({
        protocol: 'https:',
        hostname: 'launcher.mlx.yt',
        port: 45001,
        path: '/api/v2/profile/f/f1/p/p1/start?automation_type=playwright&token=abc',
        auth: 'user:password',
      }),
      {
        'http.url': 'https://launcher.mlx.yt:45001/api/v2/profile/f/f1/p/p1/start',
        'url.full': 'https://launcher.mlx.yt:45001/api/v2/profile/f/f1/p/p1/start',
        'http.target': '/api/v2/profile/f/f1/p/p1/start',
      },
    );
    assert.equal(
      outgoingUrlAttributes({ hostname: '::1', port: 80, path: '/hook/tok-in-path#x' })['http.url'],
      'http://[::1]:80/hook/[redacted]',
    );
  } finally {
    setOutputFilter((text) => text);
  }
});
