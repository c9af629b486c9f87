import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { decodeOptionalFailureToOptionalError } from '@temporalio/common/lib/internal-non-workflow';
import { waitForJob } from '../../src/client-library';
import { errorTypeOf } from '../../src/contract';
import { startHarness, type Harness } from '../helpers/harness';
import { lastAttemptOf } from '../helpers/history';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.close();
});

test('a step that fails twice is retried exactly as its policy says, backoff included', async () => {
  const job = await h.submit({
    job_id: 'flaky-1',
    task: { name: 'fails_before_attempt', input: { succeed_on: 3 } },
    policies: {
      executeTask: {
        retry: {
          initial_interval_ms: 400,
          backoff_coefficient: 2,
          maximum_interval_ms: 5_000,
          maximum_attempts: 4,
        },
      },
    },
  });
  const result = await waitForJob(h.client, job.job_id);
  assert.deepEqual(result.output, { attempt: 3 });

  const attrs = await lastAttemptOf(h.client, job.job_id, 'executeTask');
  assert.equal(attrs.attempt, 3, 'the third attempt succeeded');
  // History keeps the message encrypted; the client's data converter reads it.
  const last = await decodeOptionalFailureToOptionalError(
    h.client.options.loadedDataConverter,
    attrs.lastFailure,
  );
  assert.match(last?.message ?? '', /^flaky page on attempt 2$/);
  assert.equal(attrs.lastFailure?.message, 'Encoded failure');
  const retry = attrs.retryPolicy;
  assert.equal(retry?.maximumAttempts, 4, 'the job override reached the activity');
  assert.equal(
    Number(retry?.initialInterval?.seconds ?? 0) * 1000 + (retry?.initialInterval?.nanos ?? 0) / 1e6,
    400,
  );
  const { waitedMs } = attrs;
  assert.ok(
    waitedMs >= 400 + 800,
    `two backoffs (400 ms, then 800 ms) passed before attempt 3: ${waitedMs} ms`,
  );
});

test('a job asking for more than the configured bounds is refused, naming the field', async () => {
  await assert.rejects(
    h.submit({ job_id: 'greedy-1', policies: { executeTask: { retry: { maximum_attempts: 50 } } } }),
    (err: Error) => {
      assert.equal(errorTypeOf(err), 'JobSpecInvalid');
      assert.match(err.message, /policies\.executeTask\.retry\.maximum_attempts: at most 10/);
      return true;
    },
  );
});
