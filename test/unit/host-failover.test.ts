import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  RetryState,
  TimeoutFailure,
} from '@temporalio/common';
import { isAtCapacity, isHostLost } from '../../src/policies';

const activityFailure = (cause: Error, step = 'executeTask') =>
  new ActivityFailure('activity failed', step, '4', RetryState.MAXIMUM_ATTEMPTS_REACHED, 'w1', cause);
const timeout = (type: 'HEARTBEAT' | 'SCHEDULE_TO_START' | 'START_TO_CLOSE' | 'SCHEDULE_TO_CLOSE') =>
  new TimeoutFailure(`activity ${type} timeout`, undefined, type);
const typed = (type: string) => ApplicationFailure.create({ type, message: type });

test('a host is lost when its step stops heartbeating, is never picked up, or its browser vanished', () => {
  assert.equal(isHostLost(activityFailure(timeout('HEARTBEAT'))), true);
  assert.equal(isHostLost(activityFailure(timeout('SCHEDULE_TO_START'), 'stopProfile')), true);
  assert.equal(isHostLost(activityFailure(typed('CdpUnreachable'))), true);
});

test('a slow step, a failing task or a cancel is not a lost host', () => {
  assert.equal(isHostLost(activityFailure(timeout('START_TO_CLOSE'))), false);
  assert.equal(isHostLost(activityFailure(timeout('SCHEDULE_TO_CLOSE'))), false);
  assert.equal(isHostLost(activityFailure(typed('TaskFailed'))), false);
  assert.equal(isHostLost(activityFailure(typed('ProfileLeased'))), false);
  assert.equal(isHostLost(new CancelledFailure('cancelled')), false);
  assert.equal(isHostLost(new Error('plain')), false);
});

test('capacity ran out the attempts only when the last failure itself is WorkerAtCapacity', () => {
  assert.equal(isAtCapacity(activityFailure(typed('WorkerAtCapacity'), 'acquireLease')), true);
  assert.equal(isAtCapacity(activityFailure(typed('ProfileLeased'), 'acquireLease')), false);
  // Out of time (schedule-to-close) while waiting: a real failure, even if the last attempt was refused.
  const outOfTime = new TimeoutFailure('timeout', undefined, 'SCHEDULE_TO_CLOSE');
  Object.assign(outOfTime, { cause: typed('WorkerAtCapacity') });
  assert.equal(isAtCapacity(activityFailure(outOfTime, 'acquireLease')), false);
});
