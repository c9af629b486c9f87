// A local stand-in for a marketplace seller centre (login, orders, CSV export) for demos and tests.
export { startSellerCentre, ORDERS_PAGE_SIZE, SESSION_COOKIE, SUSPENDED_PREFIX } from './server';
export type { CodeAccount, SellerCentre, SellerCentreOptions } from './server';
export { DEFAULT_ORDERS, ORDER_STATUSES, filterOrders, generateOrders } from './orders';
export type { GenerateOrdersOptions, Order, OrderFilter, OrderStatus } from './orders';
export { ORDER_CSV_HEADER, formatCsv, ordersCsv } from './csv';
