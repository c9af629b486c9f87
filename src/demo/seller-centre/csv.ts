import type { Order } from './orders';

export const ORDER_CSV_HEADER = ['Order ID', 'Created At', 'Buyer', 'Status', 'Items', 'Total', 'Currency'];

/** RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled; CRLF between records. */
export function formatCsv(rows: readonly (readonly string[])[]): string {
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function formatCents(cents: number): string {
  return `${Math.trunc(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

/** The export as marketplaces send it: a BOM so spreadsheets read UTF-8, totals as decimals. */
export function ordersCsv(orders: readonly Order[]): string {
  const rows = orders.map((order) => [
    order.id,
    order.created_at,
    order.buyer,
    order.status,
    String(order.items),
    formatCents(order.total_cents),
    order.currency,
  ]);
  return '\uFEFF' + formatCsv([ORDER_CSV_HEADER, ...rows]);
}
