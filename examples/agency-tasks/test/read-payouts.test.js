// The task against a page served here, with the context a job gives it: node --test test/
const assert = require('node:assert/strict');
const { after, before, test } = require('node:test');
const { runTask } = require('mlx-jobs/testing');
const { readPayouts } = require('../tasks/read-payouts');
const { startPayoutsSite } = require('./site');

let site;
before(async () => (site = await startPayoutsSite()));
after(() => site.close());

/** The credential as the worker's secrets file holds it: its site and its client. */
const secrets = () => ({
  'shop-42': {
    username: site.user.email,
    password: site.user.password,
    origins: [site.url],
    clients: ['42'],
    allow_http: true,
  },
});
const run = (month, options = {}) =>
  runTask(readPayouts, {
    input: { seller_centre_url: site.url, account: 'shop-42', month },
    secrets: secrets(),
    clientId: '42',
    ...options,
  });

test('reads a published statement after signing in', async () => {
  const result = await run('2026-11');
  assert.deepEqual(result, {
    status: 'completed',
    output: {
      month: '2026-11',
      total_cents: 129955,
      payouts: [
        { reference: 'PO-1101', amount_cents: 120050 },
        { reference: 'PO-1102', amount_cents: 9905 },
      ],
    },
  });
});

test("a statement not published yet is the task's own failure, retried", async () => {
  const result = await run('2026-12');
  assert.equal(result.status, 'failed');
  assert.equal(result.failure.type, 'PayoutsNotReady');
  assert.equal(result.failure.retryable, true);
  const locked = await run('2026-10');
  assert.equal(locked.failure.type, 'StatementLocked');
  assert.equal(locked.failure.retryable, false);
});

test("another client's job may not use the credential", async () => {
  const result = await run('2026-11', { clientId: '43' });
  assert.equal(result.status, 'failed');
  assert.equal(result.failure.type, 'CredentialNotAllowed');
});
