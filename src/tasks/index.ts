// Tasks: the registry and the tasks themselves (Playwright code with zod input and output).
import { createTaskRegistry, type TaskRegistry } from './registry';
import { syncOrders } from './sync-orders/flow';
import type { TaskDefinition } from './task-definition';

export const builtinTasks: TaskDefinition[] = [syncOrders];

export function createDefaultTaskRegistry(): TaskRegistry {
  return createTaskRegistry(builtinTasks);
}
