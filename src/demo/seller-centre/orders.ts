export const ORDER_STATUSES = ['to_ship', 'shipped', 'completed', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export interface Order {
  /** `SO-<yymmdd>-<nnnn>`: the UTC day it was placed and its number within that day. */
  id: string;
  /** ISO date-time in UTC, e.g. `2024-01-05T13:22:41.000Z`. */
  created_at: string;
  buyer: string;
  status: OrderStatus;
  items: number;
  total_cents: number;
  currency: string;
}

export interface GenerateOrdersOptions {
  seed: number;
  count: number;
  /** Start of the range, inclusive. */
  from: Date;
  /** End of the range, exclusive. */
  to: Date;
  currency?: string;
}

/** ~120 orders over the 30 days before 2024-01-31 (UTC): the seller centre's default data. */
export const DEFAULT_ORDERS: GenerateOrdersOptions = {
  seed: 20240131,
  count: 120,
  from: new Date('2024-01-01T00:00:00.000Z'),
  to: new Date('2024-01-31T00:00:00.000Z'),
  currency: 'MYR',
};

export interface OrderFilter {
  /** `YYYY-MM-DD`, inclusive, compared with the UTC day of `created_at`. */
  from?: string;
  to?: string;
  status?: OrderStatus;
}

const FIRST_NAMES = [
  'Aisyah',
  'Wei Jie',
  'Nurul',
  'Thanh',
  'Priya',
  'Jun',
  'Siti',
  'Arif',
  'Mei Ling',
  'Ravi',
];
const LAST_NAMES = ['Tan', 'Rahman', 'Nguyen', 'Lim', 'Santos', 'Wong', 'Abdullah', 'Kumar', 'Ong', 'Reyes'];
// Names a real export has to quote: commas, quotes, apostrophes, markup-like characters.
const AWKWARD_BUYERS = ['Lim, Siew Lan', 'Siti "Ctiey" Rahman', "O'Brien & Sons", 'Toko <Maju> Jaya'];

/** A small seeded PRNG (mulberry32): the same seed always gives the same orders. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(next: () => number, values: readonly T[]): T {
  return values[Math.floor(next() * values.length)] as T;
}

function pickStatus(next: () => number): OrderStatus {
  const roll = next();
  if (roll < 0.2) return 'to_ship';
  if (roll < 0.45) return 'shipped';
  if (roll < 0.9) return 'completed';
  return 'cancelled';
}

function buyerName(next: () => number): string {
  if (next() < 0.08) return pick(next, AWKWARD_BUYERS);
  return `${pick(next, FIRST_NAMES)} ${pick(next, LAST_NAMES)}`;
}

/** Deterministic orders spread over [from, to), oldest first. */
export function generateOrders(options: GenerateOrdersOptions): Order[] {
  const { seed, count, from, to, currency = 'MYR' } = options;
  const start = from.getTime();
  const span = to.getTime() - start;
  if (!Number.isFinite(span) || span <= 0) throw new RangeError('generateOrders: `to` must be after `from`');
  if (!Number.isInteger(count) || count < 0) throw new RangeError('generateOrders: `count` must be >= 0');

  const next = random(seed);
  // Whole seconds keep created_at identical however it is formatted or parsed back.
  const times = Array.from({ length: count }, () => start + Math.floor((next() * span) / 1000) * 1000).sort(
    (a, b) => a - b,
  );
  const perDay = new Map<string, number>();
  return times.map((time) => {
    const createdAt = new Date(time).toISOString();
    const day = createdAt.slice(2, 10).replaceAll('-', '');
    const seq = (perDay.get(day) ?? 0) + 1;
    perDay.set(day, seq);
    const items = 1 + Math.floor(next() * 5);
    const unitCents = 500 + Math.floor(next() * 11_500);
    return {
      id: `SO-${day}-${String(seq).padStart(4, '0')}`,
      created_at: createdAt,
      buyer: buyerName(next),
      status: pickStatus(next),
      items,
      total_cents: items * unitCents,
      currency,
    };
  });
}

export function filterOrders(orders: readonly Order[], filter: OrderFilter): Order[] {
  return orders.filter((order) => {
    const day = order.created_at.slice(0, 10);
    if (filter.from !== undefined && day < filter.from) return false;
    if (filter.to !== undefined && day > filter.to) return false;
    if (filter.status !== undefined && order.status !== filter.status) return false;
    return true;
  });
}
