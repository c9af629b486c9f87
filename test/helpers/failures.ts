import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';

/** Awaits a rejection and returns it as the ApplicationFailure of that taxonomy type it must be. */
export async function failureOf(promise: Promise<unknown>, type: string): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => assert.fail(`expected a ${type} failure, got success`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ApplicationFailure, `expected ApplicationFailure, got ${String(err)}`);
  assert.equal(err.type, type, err.message);
  return err;
}
