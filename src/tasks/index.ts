// Tasks: how a task is defined, the registry the worker looks tasks up in, the installation's task
// module, and the built-in tasks.
export * from './defaults';
export * from './describe';
export * from './registry';
export * from './task-definition';
export * from './task-error';
export * from './task-module';
export { syncOrders } from './sync-orders';
