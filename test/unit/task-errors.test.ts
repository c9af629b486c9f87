import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { taskFailure } from '../../src/activities/task-failure';
import * as errors from '../../src/tasks/task-error';
import { defineTask } from '../../src/tasks';

/** A second copy of the module, as a task module with its own install of mlx-jobs would load it. */
function secondCopy(): typeof errors {
  const path = require.resolve('../../src/tasks/task-error');
  const first = require.cache[path];
  delete require.cache[path];
  try {
    return require(path) as typeof errors; // eslint-disable-line @typescript-eslint/no-require-imports
  } finally {
    require.cache[path] = first;
  }
}

test('instanceof recognises a task failure made by another copy of the package, by its type', () => {
  const other = secondCopy();
  assert.notEqual(other.PlatformBanned, errors.PlatformBanned, 'two copies of the classes');
  const banned = new other.PlatformBanned('suspended');
  assert.ok(banned instanceof errors.PlatformBanned);
  assert.ok(banned instanceof errors.TaskError);
  assert.ok(!(banned instanceof errors.PlatformAuthFailed));
  const OwnHere = errors.defineFailure('ReportNotReady', { retryable: true, description: 'later' });
  const OwnThere = other.defineFailure('ReportNotReady', { retryable: true, description: 'later' });
  assert.ok(new OwnThere('x') instanceof OwnHere);
  assert.ok(!(new Error('plain') instanceof errors.TaskError));
  assert.ok(!({ type: 'PlatformBanned' } instanceof errors.PlatformBanned), 'an unbranded look-alike');
});

test("a thrown failure keeps its type, and the task's declaration decides whether it is retried", () => {
  const other = secondCopy();
  const NotReady = errors.defineFailure('ReportNotReady', { retryable: true, description: 'not yet' });
  const Gone = errors.defineFailure('ShopClosed', { retryable: false, description: 'closed' });
  const declared = [NotReady, Gone];

  const gone = taskFailure(
    new (other.defineFailure('ShopClosed', { retryable: true, description: '' }))('closed', {
      details: { shop: 'a' },
    }),
    declared,
  );
  assert.equal(gone.type, 'ShopClosed');
  assert.equal(gone.nonRetryable, true, "the worker's declaration, not the thrower's class, decides");
  assert.deepEqual(gone.details, [{ shop: 'a' }]);
  const notReady = taskFailure(new NotReady('report still running'), declared);
  assert.equal(notReady.type, 'ReportNotReady');
  assert.equal(notReady.nonRetryable, false);
  assert.equal(notReady.message, 'report still running');

  const undeclared = taskFailure(
    new (errors.defineFailure('Mystery', { retryable: false, description: '' }))('m'),
    declared,
  );
  assert.equal(undeclared.type, 'TaskFailed');
  assert.match(undeclared.message, /threw Mystery, a failure type it does not declare: m/);
  assert.equal(taskFailure(new other.PlatformBanned('suspended')).type, 'PlatformBanned');
  assert.equal(taskFailure(new other.TaskError('no rows today')).message, 'no rows today');
  assert.equal(taskFailure(new Error('boom\nsecret call log')).message, 'boom');
});

test('defineTask refuses to declare a built-in failure type, defineFailure a malformed name', () => {
  const task = {
    name: 'x',
    description: 'x',
    input: z.object({}),
    output: z.object({}),
    run: () => Promise.resolve({}),
  };
  const Banned = errors.defineFailure('PlatformBanned', { retryable: true, description: '' });
  assert.throws(
    () => defineTask({ ...task, failures: [Banned] }),
    /PlatformBanned is a built-in failure type/,
  );
  assert.throws(() => errors.defineFailure('not-a-type', { retryable: true, description: '' }), /PascalCase/);
});
