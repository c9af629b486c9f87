import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorTypeOf, parseJobSpec, workflowIdFor } from '../../src/contract';

const valid = {
  job_id: 'orders-2026-11-23-client-42',
  profile_id: '6f0c1d7e-2b1a-4c3d-9e8f-0a1b2c3d4e5f',
  folder_id: 'f-1',
  platform: 'shopee_my',
  client_id: '42',
  task: { name: 'sync_orders', input: { from: '2026-11-01' } },
  callback_url: 'https://hooks.example.test/mlx?token=abc',
};

test('a valid spec parses, and task.input defaults to {}', () => {
  assert.deepEqual(parseJobSpec(valid), valid);
  assert.deepEqual(parseJobSpec({ ...valid, task: { name: 'sync_orders' } }).task.input, {});
});

test('an invalid spec is refused with every bad field named', () => {
  const bad = {
    ...valid,
    job_id: 'a b',
    platform: 'Shopee MY',
    callback_url: 'ftp://x',
    headless: 'yes',
    deadline_ms: 10,
    surprise: 1,
  };
  try {
    parseJobSpec(bad);
    assert.fail('expected a JobSpecInvalid failure');
  } catch (err) {
    assert.equal(errorTypeOf(err), 'JobSpecInvalid');
    const message = (err as Error).message;
    for (const field of ['job_id', 'platform', 'callback_url', 'headless', 'deadline_ms', 'surprise']) {
      assert.match(message, new RegExp(field), `names ${field}`);
    }
    assert.doesNotMatch(message, /profile_id|client_id/, 'does not blame good fields');
  }
});

test('missing fields are named', () => {
  assert.throws(
    () => parseJobSpec({}),
    /job_id: .*profile_id: .*folder_id: .*platform: .*client_id: .*task: /s,
  );
});

test('the workflow id is derived from job_id only', () => {
  assert.equal(workflowIdFor('abc'), 'mlx-job-abc');
});
