import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { describeTaskError, taskFailure } from '../../src/activities/task-failure';
import { failure, printable } from '../../src/contract';
import { loadWorkerConfig, settingSecrets } from '../../src/config';
import { createSecretRegistry } from '../../src/secrets';
import { redactedPrintable, setOutputFilter } from '../../src/telemetry';

const PASSWORD = 'p@ss "wörd"/+&=1';

test('every spelling of a secret is redacted: plain, JSON-escaped, URL- and form-encoded, URL user info', () => {
  const registry = createSecretRegistry();
  registry.add(() => [PASSWORD]);
  const forms = [
    PASSWORD,
    JSON.stringify(PASSWORD).slice(1, -1),
    encodeURIComponent(PASSWORD),
    JSON.stringify(JSON.stringify({ p: PASSWORD })),
  ];
  for (const form of forms) assert.ok(!registry.redact(`x ${form} y`).includes(form), form);
  assert.equal(
    registry.redact('POST https://bob:hunter2@hooks.example/x failed'),
    'POST https://[redacted]@hooks.example/x failed',
  );
});

test('property: a registered secret never survives in any text around it', () => {
  fc.assert(
    fc.property(
      fc.string({ minLength: 4, maxLength: 40 }),
      fc.string(),
      fc.string(),
      (secret, before, after) => {
        const registry = createSecretRegistry();
        registry.add(() => [secret]);
        assert.ok(!registry.redact(`${before}${secret}${after}`).includes(secret));
        assert.ok(
          !registry
            .redact(JSON.stringify({ before, secret, after }))
            .includes(JSON.stringify(secret).slice(1, -1)),
        );
      },
    ),
  );
});

test("Playwright's call log never leaves the task: the action and selector stay, the typed value goes", () => {
  const err = new Error(
    [
      'locator.fill: Timeout 20000ms exceeded.',
      'Call log:',
      "  - waiting for getByTestId('login-form').getByLabel('Password', { exact: true })",
      `  - fill("${PASSWORD}")`,
    ].join('\n'),
  );
  err.name = 'TimeoutError';
  const message = describeTaskError(err);
  assert.equal(
    message,
    "locator.fill: Timeout 20000ms exceeded (waiting for getByTestId('login-form').getByLabel('Password', { exact: true }))",
  );
  const failed = taskFailure(err);
  assert.equal(failed.type, 'TaskFailed');
  assert.ok(!JSON.stringify([failed.message, failed.cause, failed.details]).includes(PASSWORD));
  assert.equal(failed.cause, undefined);
  assert.equal(
    describeTaskError(new Error('selector #orders not found\nsecond line')),
    'selector #orders not found',
  );
  assert.equal(describeTaskError(new Error('')), 'the task failed with Error');
});

test('a typed failure keeps its type, message and retry decision, not its cause', () => {
  const typed = failure('PlatformBanned', 'the account is suspended', { cause: new Error(PASSWORD) });
  const kept = taskFailure(typed);
  assert.deepEqual(
    [kept.type, kept.message, kept.cause],
    ['PlatformBanned', 'the account is suspended', undefined],
  );
});

test('page text is stripped of control characters before it is printed', () => {
  assert.equal(printable('Orders\u001b[2J\u001b]0;pwned\u0007 \u202eevil'), 'Orders [2J ]0;pwned   evil');
  assert.equal(printable('x'.repeat(600)).length, 500);
});

test("every spelling of a secret is redacted: form-encoded ! ' ( ) ~, lower-case %xx, HTML entities, base64 at any offset", () => {
  const secret = "it's (a) ~secret! <&>";
  const registry = createSecretRegistry();
  registry.add(() => [secret]);
  const form = new URLSearchParams({ s: secret }).toString().slice(2);
  const forms = [
    form,
    form.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    encodeURIComponent(secret).toLowerCase(),
    'it&#39;s (a) ~secret! &lt;&amp;&gt;',
    'it&#x27;s (a) ~secret! &#60;&#X26;&gt;',
    ...[0, 1, 2].map((offset) => Buffer.from(`${'u:'.slice(0, offset)}${secret}`).toString('base64')),
    Buffer.from(`user:${secret}`).toString('base64url'),
  ];
  for (const form of forms) {
    const out = registry.redact(`x ${form} y`);
    assert.match(out, /\[redacted\]/, form);
    assert.ok(!out.includes(form), form);
  }
  // Of a Basic credential, what stays is the user's part and the few characters the edges share.
  const basic = Buffer.from(`user:${secret}`).toString('base64');
  assert.match(registry.redact(basic), /^[A-Za-z0-9+/]{0,8}\[redacted\][A-Za-z0-9+/=]{0,4}$/);
});

test('text is redacted before it is cut: a secret across the cut leaves none of its characters', () => {
  const secret = 'crossing-the-cut-secret-42';
  const registry = createSecretRegistry();
  registry.add(() => [secret]);
  setOutputFilter(registry.redact);
  try {
    const message = describeTaskError(new Error(`${'x'.repeat(190)}${secret} and more`));
    assert.ok(!message.includes(secret.slice(0, 6)), message);
    assert.ok(!redactedPrintable(`${'y'.repeat(295)}${secret}`, 300).includes('cross'));
  } finally {
    setOutputFilter((text) => text);
  }
});

test('secrets inside settings are registered: the Redis password, OTLP header values, the codec and launcher tokens', () => {
  const secrets = settingSecrets({
    MLX_REDIS_URL: 'redis://:r3dis%2Fpass@redis:6379/0',
    OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=otlp-key-123,authorization=Bearer%20otlp-bearer-456',
    MLX_CODEC_SERVER_TOKEN: 'codec-token-0123456789',
    MLX_LOCAL_LAUNCHER_TOKEN: 'launcher-token-0123456789',
  });
  for (const expected of [
    'r3dis/pass',
    'otlp-key-123',
    'otlp-bearer-456',
    'codec-token-0123456789',
    'launcher-token-0123456789',
  ]) {
    assert.ok(secrets.includes(expected), expected);
  }
  assert.ok(!secrets.includes('Bearer'), 'not the scheme alone');
  const worker = loadWorkerConfig({
    MLX_WEBHOOK_UNSIGNED: 'true',
    MLX_REDIS_URL: 'redis://:r3dis-pass@redis:6379',
  });
  assert.ok(worker.settingSecrets.includes('r3dis-pass'), "the worker's redactor is given them");
});
