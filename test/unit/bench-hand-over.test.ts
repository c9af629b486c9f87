/** Scenario 6's readings of a batch on one profile (bench/lib/hand-over.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { failedChecks, finishedInOrder, startsAndStops, taskGaps } from '../../bench/lib/hand-over';
import type { StepRecord } from '../../src/contract';

/** A job whose task ran from `start` to `end` (ms since the epoch). */
const job = (start: number, end: number): StepRecord[] => [
  {
    step: 'startProfile',
    status: 'completed',
    started_at: new Date(start - 50).toISOString(),
    duration_ms: 10,
  },
  {
    step: 'executeTask',
    status: 'completed',
    started_at: new Date(start).toISOString(),
    duration_ms: end - start,
  },
];

test('finishedInOrder: each task begins after the task of the job submitted before it ended', () => {
  assert.equal(finishedInOrder([job(1_000, 2_000), job(2_100, 3_000), job(3_000, 3_900)]), true);
  assert.equal(finishedInOrder([job(2_100, 3_000), job(1_000, 2_000)]), false, 'the second ran first');
  assert.equal(finishedInOrder([job(1_000, 2_000), job(1_900, 3_000)]), false, 'two tasks overlapped');
  assert.equal(finishedInOrder([job(1_000, 2_000), job(2_100, 3_000).slice(0, 1)]), false, 'a task missing');
});

test('taskGaps: one task ended → the next began, in submission order', () => {
  assert.deepEqual(taskGaps([job(1_000, 2_000), job(2_100, 3_000), job(3_040, 3_900)]), [100, 40]);
});

test('startsAndStops counts only the profile’s events from the batch’s first submit on', () => {
  const timeline = [
    { profile_id: 'p', event: 'started' as const, at: 10 },
    { profile_id: 'p', event: 'stopped' as const, at: 20 },
    { profile_id: 'p', event: 'started' as const, at: 100 },
    { profile_id: 'other', event: 'started' as const, at: 110 },
    { profile_id: 'p', event: 'stopped' as const, at: 300 },
  ];
  assert.deepEqual(startsAndStops(timeline, 'p', 100), { starts: 1, stops: 1 });
  assert.deepEqual(startsAndStops(timeline, 'p', 0), { starts: 2, stops: 2 });
  assert.deepEqual(failedChecks({ starts: 1, stops: 1, inOrder: true }), []);
  assert.equal(failedChecks({ starts: 2, stops: 2, inOrder: false }).length, 2);
});
