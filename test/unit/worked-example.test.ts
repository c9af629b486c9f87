import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkScheduleDefinition, readRecords, validateBatch } from '../../src/client-library';
import { resolveScheduledSpec } from '../../src/contract';
import { syncOrders } from '../../src/tasks';

// The README's worked example (docs/examples/): what it shows is what these files hold, and they work.
const root = join(__dirname, '..', '..');
const example = (name: string) => readFileSync(join(root, 'docs', 'examples', name), 'utf8');

test('the README shows the example files as they are', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  for (const name of ['daily-orders.json', 'shops.csv', 'rerun.json', 'rerun.csv']) {
    assert.ok(readme.includes(example(name)), `README shows docs/examples/${name}`);
  }
});

test('shops.csv on daily-orders.json makes one valid schedule per shop; a run syncs the day before', () => {
  const read = readRecords(example('shops.csv'), 'csv', JSON.parse(example('daily-orders.json')));
  assert.deepEqual(read.problems, []);
  const checked = read.records.map((r) => checkScheduleDefinition(r.value));
  assert.deepEqual(
    checked.map((c) => c.problems),
    [undefined, undefined],
  );
  const { definition, template } = checked[0]!;
  assert.equal(definition?.schedule_id, 'orders-daily-shop-42');
  // The run of 06:00 on 24 November in Kuala Lumpur, as the README describes it.
  const run = resolveScheduledSpec(
    template!,
    { schedule_id: 'orders-daily-shop-42', time_zone: 'Asia/Kuala_Lumpur' },
    new Date('2026-11-23T22:00:00Z'),
  );
  assert.equal(run.job_id, 'orders-daily-shop-42-2026-11-23T22:00:00Z');
  assert.deepEqual(syncOrders.input.parse(run.task.input), {
    seller_centre_url: 'https://seller.shopee.com.my',
    account: 'shop-42',
    from: '2026-11-23',
    to: '2026-11-23',
  });
});

test('rerun.csv on rerun.json is a valid batch of sync_orders jobs', () => {
  const { specs, invalid } = validateBatch(
    readRecords(example('rerun.csv'), 'csv', JSON.parse(example('rerun.json'))),
  );
  assert.deepEqual(invalid, []);
  assert.deepEqual(
    specs.map((s) => s.spec.job_id),
    ['rerun-shop-42-2026-11-25', 'rerun-shop-43-2026-11-25'],
  );
  for (const { spec } of specs) assert.ok(syncOrders.input.safeParse(spec.task.input).success, spec.job_id);
});
