import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { JobParkedError } from '../../src/client-library';

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

/** What waitForJob's JobParkedError says about a parked job: its kind, failure type and failed step. */
export function parkedAs(err: unknown): { kind: string; type: string; step?: string } {
  assert.ok(err instanceof JobParkedError, `expected a parked job, got ${String(err)}`);
  const { kind, failure } = err.deadLetter;
  return { kind, type: failure.type, step: failure.step };
}
