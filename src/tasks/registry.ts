import { failure } from '../contract';
import type { TaskDefinition } from './task-definition';

export interface TaskRegistry {
  get(name: string): TaskDefinition;
  names(): string[];
}

export function createTaskRegistry(tasks: readonly TaskDefinition[]): TaskRegistry {
  const byName = new Map<string, TaskDefinition>();
  for (const task of tasks) {
    if (byName.has(task.name)) throw new Error(`task "${task.name}" is registered twice`);
    byName.set(task.name, task);
  }
  return {
    get(name) {
      const task = byName.get(name);
      if (!task) {
        throw failure(
          'TaskUnknown',
          `no task named "${name}" on this worker; known: ${[...byName.keys()].join(', ')}`,
        );
      }
      return task;
    },
    names: () => [...byName.keys()],
  };
}
