// Tasks: how a task is defined, the registry the worker looks tasks up in, and the built-in tasks.
import { createTaskRegistry, type TaskRegistry } from './registry';
import { syncOrders } from './sync-orders';
import type { TaskDefinition } from './task-definition';

export * from './describe';
export * from './registry';
export * from './task-definition';
export { syncOrders };

export const builtinTasks: TaskDefinition[] = [syncOrders];

export function createDefaultTaskRegistry(): TaskRegistry {
  return createTaskRegistry(builtinTasks);
}
