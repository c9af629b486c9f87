import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../../src/contract';
import { DEFAULT_POLICY_BOUNDS, DEFAULT_STEP_POLICIES, loadPolicyConfig } from '../../src/policies';

const readText = (path: string) => readFileSync(path, 'utf8');

function policyFile(content: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'mlx-policy-')), 'policies.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

test('without settings the documented defaults apply', () => {
  assert.deepEqual(loadPolicyConfig({}, readText), {
    policies: DEFAULT_STEP_POLICIES,
    bounds: DEFAULT_POLICY_BOUNDS,
  });
});

test('the file changes steps and bounds; variables override the file', () => {
  const file = policyFile({
    steps: { executeTask: { start_to_close_ms: 60_000, retry: { maximum_attempts: 7 } } },
    bounds: { max_attempts: 20 },
  });
  const { policies, bounds } = loadPolicyConfig(
    {
      MLX_POLICIES_FILE: file,
      MLX_POLICY_EXECUTE_TASK_MAXIMUM_ATTEMPTS: '5',
      MLX_POLICY_POST_WEBHOOK_NON_RETRYABLE_ERROR_TYPES: 'WebhookRejected, TaskUnknown',
    },
    readText,
  );
  assert.equal(policies.executeTask.start_to_close_ms, 60_000);
  assert.equal(policies.executeTask.retry.maximum_attempts, 5);
  assert.equal(
    policies.executeTask.retry.initial_interval_ms,
    DEFAULT_STEP_POLICIES.executeTask.retry.initial_interval_ms,
  );
  assert.deepEqual(policies.postWebhook.retry.non_retryable_error_types, ['WebhookRejected', 'TaskUnknown']);
  assert.equal(bounds.max_attempts, 20);
  assert.equal(bounds.max_start_to_close_ms, DEFAULT_POLICY_BOUNDS.max_start_to_close_ms);
});

test('a bad setting is refused in one line naming the key and the reason', () => {
  const cases: [NodeJS.ProcessEnv, RegExp][] = [
    [
      { MLX_POLICY_EXECUTE_TASK_MAXIMUM_ATTEMPTS: 'many' },
      /^bad setting MLX_POLICY_EXECUTE_TASK_MAXIMUM_ATTEMPTS: .*"many"/,
    ],
    [
      { MLX_POLICY_EXECUTE_TASK_BACKOFF_COEFFICIENT: '0.5' },
      /^bad setting MLX_POLICY_EXECUTE_TASK_BACKOFF_COEFFICIENT: /,
    ],
    [
      { MLX_POLICY_EXECUTE_TASK_RETRIES: '3' },
      /^bad setting MLX_POLICY_EXECUTE_TASK_RETRIES: not a known step policy variable/,
    ],
    [{ MLX_POLICY_START_PROFILE_NON_RETRYABLE_ERROR_TYPES: 'Oops' }, /unknown error type "Oops"/],
    [
      { MLX_POLICIES_FILE: policyFile({ steps: { executeTask: { start_to_close_ms: -1 } } }) },
      /MLX_POLICIES_FILE .*steps\.executeTask\.start_to_close_ms: /,
    ],
    [{ MLX_POLICIES_FILE: policyFile({ steps: { runFaster: {} } }) }, /MLX_POLICIES_FILE .*runFaster/],
    [{ MLX_POLICIES_FILE: policyFile('{ not json') }, /^bad setting MLX_POLICIES_FILE .*: /],
  ];
  for (const [env, expected] of cases) {
    assert.throws(
      () => loadPolicyConfig(env, readText),
      (err: Error) => err instanceof ConfigError && expected.test(err.message) && !err.message.includes('\n'),
      JSON.stringify(env),
    );
  }
});
