import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import {
  DEFAULT_ORDERS,
  filterOrders,
  formatCsv,
  generateOrders,
  ORDER_CSV_HEADER,
  ORDER_STATUSES,
  ordersCsv,
} from '../../src/demo/seller-centre';
import { readCsv } from '../../src/tasks/sync-orders';

const parseCsv = (text: string) => readCsv(Readable.from([Buffer.from(text)]));

void describe('generateOrders', () => {
  void it('gives the same orders for the same seed, different ones for another', () => {
    assert.deepEqual(generateOrders(DEFAULT_ORDERS), generateOrders(DEFAULT_ORDERS));
    assert.notDeepEqual(generateOrders(DEFAULT_ORDERS), generateOrders({ ...DEFAULT_ORDERS, seed: 7 }));
  });

  void it('spreads well-formed orders over [from, to), oldest first, with unique ids', () => {
    const from = new Date('2024-03-10T00:00:00Z');
    const to = new Date('2024-03-17T00:00:00Z');
    const orders = generateOrders({ seed: 42, count: 200, from, to, currency: 'PHP' });
    assert.equal(orders.length, 200);
    assert.equal(new Set(orders.map((order) => order.id)).size, 200);
    const times = orders.map((order) => Date.parse(order.created_at));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
    );
    for (const order of orders) {
      const time = Date.parse(order.created_at);
      assert.ok(time >= from.getTime() && time < to.getTime(), order.created_at);
      assert.equal(new Date(time).toISOString(), order.created_at);
      const yymmdd = order.created_at.slice(2, 10).replaceAll('-', '');
      assert.match(order.id, new RegExp(`^SO-${yymmdd}-\\d{4}$`));
      assert.ok(ORDER_STATUSES.includes(order.status));
      assert.ok(Number.isInteger(order.items) && order.items >= 1 && order.items <= 5);
      assert.ok(Number.isInteger(order.total_cents) && order.total_cents > 0);
      assert.equal(order.currency, 'PHP');
    }
    const days = new Set(orders.map((order) => order.created_at.slice(0, 10)));
    assert.equal(days.size, 7, 'every day of the range has orders');
  });

  void it('defaults to ~120 orders over the 30 days before 2024-01-31, every status present', () => {
    const orders = generateOrders(DEFAULT_ORDERS);
    assert.equal(orders.length, 120);
    assert.equal(orders[0]?.id, 'SO-240101-0001');
    assert.ok(orders.every((order) => order.created_at >= '2024-01-01' && order.created_at < '2024-01-31'));
    assert.deepEqual(new Set(orders.map((order) => order.status)), new Set(ORDER_STATUSES));
    assert.ok(
      orders.some((order) => /[",]/.test(order.buyer)),
      'some buyer names need CSV quoting',
    );
  });

  void it('refuses an empty range or a bad count', () => {
    const at = new Date('2024-01-01T00:00:00Z');
    assert.throws(() => generateOrders({ seed: 1, count: 1, from: at, to: at }), RangeError);
    assert.throws(() => generateOrders({ ...DEFAULT_ORDERS, count: -1 }), RangeError);
  });
});

void describe('filterOrders', () => {
  const orders = generateOrders(DEFAULT_ORDERS);

  void it('keeps whole UTC days at both ends of the range', () => {
    const kept = filterOrders(orders, { from: '2024-01-05', to: '2024-01-07' });
    const expected = orders.filter((order) => {
      const day = order.created_at.slice(0, 10);
      return day === '2024-01-05' || day === '2024-01-06' || day === '2024-01-07';
    });
    assert.ok(expected.length > 0);
    assert.deepEqual(kept, expected);
  });

  void it('filters by status, and keeps everything without a filter', () => {
    assert.ok(filterOrders(orders, { status: 'cancelled' }).every((order) => order.status === 'cancelled'));
    assert.deepEqual(filterOrders(orders, {}), orders);
  });
});

void describe('CSV', () => {
  void it('round-trips fields with commas, quotes, line breaks and empties', async () => {
    const rows = [
      ['plain', 'with, comma', 'say "hi"', ''],
      ['multi\r\nline', 'lf\nonly', '"', 'ünïcødé, 東京'],
      [' padded ', ',', '""', 'end'],
    ];
    const text = formatCsv(rows);
    assert.ok(text.endsWith('\r\n'));
    assert.deepEqual(await parseCsv(text), rows);
  });

  void it('reads the seller centre export back to the same orders', async () => {
    const orders = generateOrders(DEFAULT_ORDERS);
    const text = ordersCsv(orders);
    assert.ok(text.startsWith('\uFEFF'), 'the export starts with a BOM');
    const [header, ...records] = await parseCsv(text);
    assert.deepEqual(header, ORDER_CSV_HEADER);
    assert.equal(records.length, orders.length);
    const awkward = orders.findIndex((order) => order.buyer.includes('"'));
    assert.ok(awkward >= 0);
    assert.equal(records[awkward]?.[2], orders[awkward]?.buyer);
    assert.equal(records[0]?.[5], (orders[0]!.total_cents / 100).toFixed(2));
  });

  void it('accepts LF line endings and blank lines, refuses an unterminated quote', async () => {
    assert.deepEqual(await parseCsv('a,b\n\n1,"2"\n'), [
      ['a', 'b'],
      ['1', '2'],
    ]);
    await assert.rejects(parseCsv('a,"b\n'), /not valid CSV: Quote Not Closed/);
  });
});
