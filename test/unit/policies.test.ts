import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileRetryPolicy } from '@temporalio/common';
import { NON_RETRYABLE_ERROR_TYPES, STEPS, StepPoliciesSchema } from '../../src/contract';
import { DEFAULT_STEP_POLICIES, activityOptions } from '../../src/policies';

test('every step has a default policy the Temporal SDK accepts', () => {
  assert.deepEqual(Object.keys(DEFAULT_STEP_POLICIES).sort(), [...STEPS].sort());
  StepPoliciesSchema.parse(DEFAULT_STEP_POLICIES);
  for (const step of STEPS) {
    const options = activityOptions(DEFAULT_STEP_POLICIES[step], 'q');
    assert.doesNotThrow(() => compileRetryPolicy(options.retry!), `${step} retry policy`);
    assert.deepEqual(options.retry?.nonRetryableErrorTypes, [...NON_RETRYABLE_ERROR_TYPES]);
  }
});

test('maximum_attempts 0 means unlimited', () => {
  const { retry } = activityOptions(DEFAULT_STEP_POLICIES.acquireLease);
  assert.equal(DEFAULT_STEP_POLICIES.acquireLease.retry.maximum_attempts, 0);
  assert.equal(retry?.maximumAttempts, undefined, 'left to the server, whose default is unlimited');
  assert.doesNotThrow(() => compileRetryPolicy(retry!));
});

test('never-retried types include the ones a retry cannot fix', () => {
  for (const type of [
    'TaskUnknown',
    'TaskInputInvalid',
    'PlatformBanned',
    'WebhookRejected',
    'MlxUnauthorized',
  ]) {
    assert.ok(NON_RETRYABLE_ERROR_TYPES.includes(type as never), type);
  }
  assert.ok(!NON_RETRYABLE_ERROR_TYPES.includes('ProfileLeased'));
});
