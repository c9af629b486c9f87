import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gapsOf, reportGaps } from '../../bench/lib/dispatch-gaps';
import { armOrder, comparePaired } from '../../bench/lib/stats';
import type { HistoryEvent } from '../helpers/history';

test('armOrder puts each arm in each position equally often over every permutation', () => {
  const arms = ['temporal', 'floor', 'direct'];
  const orders = Array.from({ length: 6 }, (_, pair) => armOrder(pair, arms));
  assert.equal(new Set(orders.map((o) => o.join())).size, 6, 'six different orders');
  for (const arm of arms) {
    const positions = orders.map((o) => o.indexOf(arm)).sort();
    assert.deepEqual(positions, [0, 0, 1, 1, 2, 2], `${arm} runs first, second and third twice each`);
  }
  assert.deepEqual(armOrder(6, arms), orders[0], 'then the rotation starts again');
  assert.deepEqual(
    [armOrder(0, ['a', 'b']), armOrder(1, ['a', 'b'])],
    [
      ['a', 'b'],
      ['b', 'a'],
    ],
  );
});

test('comparePaired reports the median of the paired differences, not the difference of the medians', () => {
  // The medians are 2 and 20 (a difference of −18), yet two of the three pairs differ by +1.
  const a = [1, 2, 30];
  const b = [0, 20, 29];
  const paired = comparePaired(a, b);
  assert.equal(paired.medianDifference, 1);
  assert.equal(paired.pairs, 3);
  assert.throws(() => comparePaired([1], [1, 2]), /differ in length/);
});

test('gapsOf reads how long each workflow task waited for dispatch and how long the worker took on it', () => {
  const at = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });
  const events = [
    { eventId: 1, eventTime: at(1_000), workflowTaskScheduledEventAttributes: {} },
    { eventId: 2, eventTime: at(1_005), workflowTaskStartedEventAttributes: { scheduledEventId: 1 } },
    { eventId: 3, eventTime: at(1_017), workflowTaskCompletedEventAttributes: { startedEventId: 2 } },
    {
      eventId: 4,
      eventTime: at(1_017),
      activityTaskScheduledEventAttributes: { activityType: { name: 'a' } },
    },
    { eventId: 5, eventTime: at(1_020), activityTaskStartedEventAttributes: { scheduledEventId: 4 } },
  ] as unknown as HistoryEvent[];
  assert.deepEqual(gapsOf(events), [
    { kind: 'workflow task', name: 'workflow task', gapMs: 5, runMs: 12 },
    { kind: 'activity task', name: 'a', gapMs: 3 },
  ]);
  const report = reportGaps([gapsOf(events), gapsOf(events)]);
  assert.equal(report.workflowTaskRunPerRunMs.median, 12);
  assert.equal(report.waitPerRunMs.median, 8);
});
