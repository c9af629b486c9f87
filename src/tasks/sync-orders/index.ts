// sync_orders: read a date range of orders from the seller centre and cross-check the CSV export.
export { syncOrders } from './flow';
export { readCsv } from './export';
export type { SyncedOrder, SyncOrdersInput } from './schemas';
