import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { applyStartRetryRules } from '../../src/policies';
import { failure } from '../../src/contract';

const rules = { coreDownloadingDelayMs: 15_000, proxyMaxAttempts: 3 };
const asFailure = (value: unknown) => {
  assert.ok(value instanceof ApplicationFailure);
  return value;
};

test('a core download is retried at its own interval', () => {
  const out = asFailure(applyStartRetryRules(failure('MlxCoreDownloading', 'downloading'), 7, rules));
  assert.deepEqual([out.type, out.nextRetryDelay, out.nonRetryable], ['MlxCoreDownloading', 15_000, false]);
});

test('proxy failures are retried until the budget, then end the step with the same type', () => {
  const early = asFailure(applyStartRetryRules(failure('MlxProxyFailed', 'no proxy ip'), 2, rules));
  assert.equal(early.nonRetryable, false);
  const last = asFailure(applyStartRetryRules(failure('MlxProxyFailed', 'no proxy ip'), 3, rules));
  assert.deepEqual([last.type, last.nonRetryable], ['MlxProxyFailed', true]);
  assert.match(last.message, /gave up after 3 attempts/);
});

test('other failures are left to the policy, Retry-After included', () => {
  const limited = failure('MlxRateLimited', 'slow down', { nextRetryDelayMs: 7_000 });
  assert.equal(applyStartRetryRules(limited, 9, rules), limited);
  const plain = new Error('boom');
  assert.equal(applyStartRetryRules(plain, 9, rules), plain);
});
