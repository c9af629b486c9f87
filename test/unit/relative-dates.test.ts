import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  isTimeZone,
  relativeDays,
  resolveRelativeDates,
  resolveScheduledSpec,
  scheduledJobId,
  workflowIdFor,
  zonedDate,
  type JobSpec,
} from '../../src/contract';

test('relative dates: the words and their day offsets; anything else is not one', () => {
  assert.equal(relativeDays('today'), 0);
  assert.equal(relativeDays('yesterday'), -1);
  assert.equal(relativeDays('tomorrow'), 1);
  assert.equal(relativeDays('today-7'), -7);
  assert.equal(relativeDays('today+1'), 1);
  assert.equal(relativeDays('yesterday-1'), -2);
  for (const other of [
    'Today',
    'today -7',
    'today-',
    'today-x',
    'now',
    '2026-11-23',
    'today-12345',
    ' today',
  ]) {
    assert.equal(relativeDays(other), undefined, other);
  }
});

test("a relative date is the calendar day of the scheduled time on the zone's clocks", () => {
  const at = new Date('2026-11-23T20:30:00Z');
  assert.equal(zonedDate(at, 'UTC'), '2026-11-23');
  assert.equal(zonedDate(at, 'Asia/Kuala_Lumpur'), '2026-11-24', 'UTC+8: already the next day');
  assert.equal(zonedDate(at, 'America/Los_Angeles'), '2026-11-23');
  assert.equal(zonedDate(new Date('2026-11-24T07:59:59Z'), 'America/Los_Angeles'), '2026-11-23');
  assert.equal(zonedDate(new Date('2026-11-24T08:00:00Z'), 'America/Los_Angeles'), '2026-11-24');
  // Across month, year and leap-day boundaries.
  assert.equal(zonedDate(new Date('2024-03-01T01:00:00Z'), 'UTC', -1), '2024-02-29');
  assert.equal(zonedDate(new Date('2027-01-01T00:00:00Z'), 'UTC', -7), '2026-12-25');
  // A DST change (Europe/Berlin, 29 March 2026) does not shift the day.
  assert.equal(zonedDate(new Date('2026-03-29T22:30:00Z'), 'Europe/Berlin', -1), '2026-03-29');
});

test('resolving walks objects and arrays and keeps everything else', () => {
  const input = {
    from: 'today-7',
    to: 'yesterday',
    nested: { days: ['today', 'tomorrow', 'not a date'] },
    count: 3,
    flag: true,
    none: null,
  };
  assert.deepEqual(resolveRelativeDates(input, new Date('2026-11-23T06:00:00Z'), 'Asia/Tokyo'), {
    from: '2026-11-16',
    to: '2026-11-22',
    nested: { days: ['2026-11-23', '2026-11-24', 'not a date'] },
    count: 3,
    flag: true,
    none: null,
  });
  assert.equal(input.from, 'today-7', 'the template is not changed');
});

test('time zone names', () => {
  assert.ok(isTimeZone('Asia/Kuala_Lumpur'));
  assert.ok(isTimeZone('UTC'));
  assert.ok(!isTimeZone('Mars/Olympus'));
  assert.ok(!isTimeZone(''));
});

test("a scheduled run's job_id is the schedule id and the scheduled time, as Temporal names the run", () => {
  const at = new Date('2026-11-22T22:00:00.640Z');
  assert.equal(scheduledJobId('daily-42', at), 'daily-42-2026-11-22T22:00:00Z');
  // Temporal: the action's workflow id, "-", the scheduled time truncated to seconds in RFC 3339.
  assert.equal(
    workflowIdFor(scheduledJobId('daily-42', at)),
    `${workflowIdFor('daily-42')}-2026-11-22T22:00:00Z`,
  );

  const template = {
    job_id: 'daily-42',
    profile_id: 'p',
    folder_id: 'f',
    platform: 'shopee_my',
    client_id: '42',
    task: { name: 'sync_orders', input: { from: 'yesterday', to: 'yesterday' } },
  } satisfies JobSpec;
  const spec = resolveScheduledSpec(
    template,
    { schedule_id: 'daily-42', time_zone: 'Asia/Kuala_Lumpur' },
    at,
  );
  assert.equal(spec.job_id, 'daily-42-2026-11-22T22:00:00Z');
  assert.deepEqual(spec.task.input, { from: '2026-11-22', to: '2026-11-22' }, '06:00 on the 23rd in KL');
});
