import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  amendedSpec,
  deadLetterQuery,
  DiscardRequestSchema,
  parseDeadLetterRequest,
  RetryRequestSchema,
  errorTypeOf,
  parseJobSpec,
} from '../../src/contract';

const spec = parseJobSpec({
  job_id: 'j1',
  profile_id: 'p1',
  folder_id: 'f1',
  platform: 'shopee_my',
  client_id: 'c1',
  task: { name: 'sync_orders', input: { account: 'a' } },
});

test('the dead-letter query filters by platform, client and type, quoting what it is given', () => {
  assert.equal(deadLetterQuery(), "MlxDeadLetter = true AND ExecutionStatus = 'Running'");
  assert.equal(
    deadLetterQuery({ platform: 'shopee_my', clientId: "o'brien", failureType: 'PlatformBanned' }),
    "MlxDeadLetter = true AND ExecutionStatus = 'Running' AND MlxPlatform = 'shopee_my' AND " +
      "MlxClientId = 'o\\'brien' AND MlxFailureType = 'PlatformBanned'",
  );
});

test('a retry may move the job to another profile or replace its input; the result is a valid spec', () => {
  assert.deepEqual(amendedSpec(spec, {}), spec);
  const moved = amendedSpec(spec, { profile_id: 'p2', task_input: { account: 'b' } });
  assert.equal(moved.profile_id, 'p2');
  assert.deepEqual(moved.task, { name: 'sync_orders', input: { account: 'b' } });
  assert.equal(moved.job_id, 'j1', 'the job keeps its id');
});

test('bad operator requests are refused with the field named', () => {
  const cases: [unknown, RegExp][] = [
    [{ profile_id: 'has space' }, /profile_id: profile_id may hold/],
    [{ task_input: ['x'] }, /task_input/],
    [{ priority: 1 }, /priority/],
  ];
  for (const [request, message] of cases) {
    assert.throws(
      () => parseDeadLetterRequest(RetryRequestSchema, request),
      (err: unknown) =>
        errorTypeOf(err) === 'DeadLetterRequestInvalid' && message.test((err as Error).message),
      JSON.stringify(request),
    );
  }
  assert.throws(
    () => parseDeadLetterRequest(DiscardRequestSchema, { reason: '  ' }),
    /reason must not be empty/,
  );
  assert.deepEqual(parseDeadLetterRequest(DiscardRequestSchema, { reason: ' closed ' }), {
    reason: 'closed',
  });
});
