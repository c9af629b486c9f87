import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { describeTaskError, taskFailure } from '../../src/activities/task-failure';
import { failure, printable } from '../../src/contract';
import { createSecretRegistry } from '../../src/secrets';

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
