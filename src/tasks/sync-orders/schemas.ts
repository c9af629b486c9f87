/** sync_orders' input and output, and one order row as both the list and the export show it. */
import { z } from 'zod';

export const ORDER_STATUSES = ['to_ship', 'shipped', 'completed', 'cancelled'] as const;
const MAX_RANGE_DAYS = 93;
const DAY_MS = 24 * 60 * 60 * 1000;

export const day = z.iso.date({ error: 'expected a date as YYYY-MM-DD' });

export const syncOrdersInput = z
  .object({
    seller_centre_url: z.url({ protocol: /^https?$/ }),
    /** Name of the credential in the worker's secret store; it needs `username` and `password`. */
    account: z.string().min(1),
    from: day,
    to: day,
    status: z.enum(ORDER_STATUSES).optional(),
  })
  // A date that is itself invalid is reported once, by its own check, not again by these.
  .refine((input) => !validDays(input) || input.from <= input.to, {
    path: ['from'],
    error: 'must be on or before `to`',
  })
  .refine((input) => !validDays(input) || daysBetween(input.from, input.to) < MAX_RANGE_DAYS, {
    path: ['to'],
    error: `the range may span at most ${MAX_RANGE_DAYS} days`,
  });

export const orderRow = z.object({
  id: z.string().min(1),
  created_at: z.iso.datetime(),
  buyer: z.string(),
  status: z.enum(ORDER_STATUSES),
  items: z.number().int().positive(),
  total_cents: z.number().int().nonnegative(),
  currency: z.string().regex(/^[A-Z]{3}$/),
});

export const syncOrdersOutput = z.object({
  count: z.number().int().nonnegative(),
  rows: z.array(orderRow),
  export_count: z.number().int().nonnegative(),
  pages: z.number().int().positive(),
  from: day,
  to: day,
});

export type SyncOrdersInput = z.output<typeof syncOrdersInput>;
export type SyncedOrder = z.output<typeof orderRow>;

function validDays(input: { from: string; to: string }): boolean {
  return day.safeParse(input.from).success && day.safeParse(input.to).success;
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(to) - Date.parse(from)) / DAY_MS);
}
