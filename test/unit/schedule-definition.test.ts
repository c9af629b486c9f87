import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkScheduleDefinition, periodsAround, startOfZonedDay } from '../../src/client-library';
import { cronProblem } from '../../src/client-library/cron';

const valid = {
  schedule_id: 'orders-daily-shop-42',
  spec: { cron: '0 6 * * *', time_zone: 'Asia/Kuala_Lumpur' },
  template: {
    profile_id: 'p-42',
    folder_id: 'f-1',
    platform: 'shopee_my',
    client_id: '42',
    task: { name: 'sync_orders', input: { account: 'shop-42', from: 'yesterday', to: 'yesterday' } },
  },
};

test('a valid definition gets the defaults, and its template keeps the relative dates for each run', () => {
  const checked = checkScheduleDefinition(valid);
  assert.deepEqual(checked.problems, undefined);
  assert.equal(checked.definition?.overlap, 'skip');
  assert.equal(checked.definition?.catchup_window_ms, 24 * 3600 * 1000);
  assert.equal(checked.definition?.paused, false);
  assert.deepEqual(checked.template?.task.input, valid.template.task.input);
  assert.equal(checked.template?.job_id, 'orders-daily-shop-42', 'the schedule id stands in for the job_id');
});

test('every bad field of a definition and of its template is named', () => {
  const checked = checkScheduleDefinition({
    schedule_id: 'x'.repeat(161),
    spec: { cron: ['0 6 * * *', '61 * * * *'], time_zone: 'Asia/Nowhere', jitter_ms: -1 },
    overlap: 'sometimes',
    catchup_window_ms: 5,
    extra: true,
    template: { ...valid.template, job_id: 'fixed', platform: 'Shopee', task: { name: 'sync orders' } },
  });
  const problems = (checked.problems ?? []).join('\n');
  for (const expected of [
    /^schedule_id: schedule_id must be at most 160 characters/m,
    /^spec\.cron\.1: minute: 61 is outside 0-59/m,
    /^spec\.time_zone: must be an IANA time zone name/m,
    /^spec\.jitter_ms: /m,
    /^overlap: /m,
    /^catchup_window_ms: must be at least 10000/m,
    /^\(root\): Unrecognized key: "extra"/m,
    /^template\.job_id: leave it out/m,
    /^template\.platform: /m,
    /^template\.task\.name: /m,
  ]) {
    assert.match(problems, expected);
  }
  assert.doesNotMatch(problems, /^template\.job_id: job_id/m, 'a bad schedule_id is reported once');
});

test('a definition needs cron or calendars, and a template', () => {
  const { problems } = checkScheduleDefinition({ ...valid, spec: { time_zone: 'UTC' }, template: undefined });
  assert.match(problems!.join('\n'), /spec\.cron: give cron or calendars/);
  assert.match(problems!.join('\n'), /^template: /m);
  const calendars = checkScheduleDefinition({
    ...valid,
    spec: { calendars: [{ hour: 6, minute: 30, day_of_week: ['MONDAY', 'FRIDAY'] }], time_zone: 'UTC' },
  });
  assert.equal(calendars.problems, undefined);
  const badCalendar = checkScheduleDefinition({
    ...valid,
    spec: { calendars: [{ hour: 24, day_of_week: 'FUNDAY' }], time_zone: 'UTC' },
  });
  assert.match(badCalendar.problems!.join('\n'), /spec\.calendars\.0\.hour/);
  assert.match(badCalendar.problems!.join('\n'), /spec\.calendars\.0\.day_of_week/);
});

test('cron expressions: five fields, names, lists, ranges, steps and shorthands', () => {
  for (const ok of [
    '0 6 * * *',
    '*/15 8-18 * * MON-FRI',
    '0 0 1,15 JAN,jul *',
    '@daily',
    '@hourly',
    '0 6 * * * # daily',
  ]) {
    assert.equal(cronProblem(ok), undefined, ok);
  }
  assert.match(cronProblem('0 6 * *')!, /has 4 fields/);
  assert.match(cronProblem('0 24 * * *')!, /^hour: 24 is outside 0-23/);
  assert.match(cronProblem('0 6 32 * *')!, /^day of month: 32 is outside 1-31/);
  assert.match(cronProblem('0 6 * FOO *')!, /^month: "FOO" is not/);
  assert.match(cronProblem('*/0 * * * *')!, /^minute: bad step/);
  assert.match(cronProblem('CRON_TZ=Asia/Tokyo 0 6 * * *')!, /spec\.time_zone/);
});

test('the start of a calendar day in a zone, also on a day the clocks change', () => {
  assert.equal(startOfZonedDay('2024-03-01', 'Asia/Tokyo').toISOString(), '2024-02-29T15:00:00.000Z');
  assert.equal(startOfZonedDay('2026-11-23', 'UTC').toISOString(), '2026-11-23T00:00:00.000Z');
  assert.equal(startOfZonedDay('2026-03-29', 'Europe/Berlin').toISOString(), '2026-03-28T23:00:00.000Z');
  assert.equal(startOfZonedDay('2026-03-30', 'Europe/Berlin').toISOString(), '2026-03-29T22:00:00.000Z');
  assert.equal(startOfZonedDay('2026-11-01', 'America/New_York').toISOString(), '2026-11-01T04:00:00.000Z');
});

test('a backfill period is cut around the scheduled times that already ran', () => {
  const t = (iso: string) => new Date(iso);
  const from = t('2024-03-01T00:00:00Z');
  const to = t('2024-03-05T00:00:00Z');
  const show = (periods: { start: Date; end: Date }[]) =>
    periods.map((p) => `${p.start.toISOString()} ${p.end.toISOString()}`);
  assert.deepEqual(show(periodsAround(from, to, [])), ['2024-03-01T00:00:00.000Z 2024-03-05T00:00:00.000Z']);
  assert.deepEqual(show(periodsAround(from, to, [t('2024-03-03T06:00:00Z'), t('2024-03-02T06:00:00Z')])), [
    '2024-03-01T00:00:00.000Z 2024-03-02T05:59:59.000Z',
    '2024-03-02T06:00:01.000Z 2024-03-03T05:59:59.000Z',
    '2024-03-03T06:00:01.000Z 2024-03-05T00:00:00.000Z',
  ]);
  // Runs at the very edges leave nothing on that side; runs outside the period are ignored.
  assert.deepEqual(show(periodsAround(from, to, [from, to, t('2024-04-01T00:00:00Z')])), [
    '2024-03-01T00:00:01.000Z 2024-03-04T23:59:59.000Z',
  ]);
});
