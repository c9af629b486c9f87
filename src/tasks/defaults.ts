import { createTaskRegistry, type TaskRegistry } from './registry';
import { syncOrders } from './sync-orders';
import type { TaskDefinition } from './task-definition';

/** The tasks an installation without a task module of its own runs: the example, sync_orders. */
export const builtinTasks: TaskDefinition[] = [syncOrders];

export function createDefaultTaskRegistry(): TaskRegistry {
  return createTaskRegistry(builtinTasks);
}
