import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../contract';
import { createDefaultTaskRegistry } from './defaults';
import { createTaskRegistry, type TaskRegistry } from './registry';
import type { TaskDefinition } from './task-definition';

/** The setting that names the installation's task module; the worker and the CLI both read it. */
export const TASKS_MODULE_SETTING = 'MLX_TASKS_MODULE';

const loaded = new Map<string, TaskRegistry>();

/**
 * The installation's tasks: those the module MLX_TASKS_MODULE names exports (`tasks`, or its default
 * export: an array of task definitions), else the built-in ones. The path is taken from the working
 * directory; a package name is resolved from there too. Loaded once per process and module. A module
 * that cannot be loaded or exports no tasks is a ConfigError naming the setting.
 */
export function configuredTasks(env: NodeJS.ProcessEnv = process.env): TaskRegistry {
  const name = env[TASKS_MODULE_SETTING]?.trim();
  if (!name) return createDefaultTaskRegistry();
  let registry = loaded.get(name);
  if (!registry) {
    registry = createTaskRegistry(tasksOf(name));
    loaded.set(name, registry);
  }
  return registry;
}

function tasksOf(name: string): TaskDefinition[] {
  const bad = (why: string) => new ConfigError(`bad setting ${TASKS_MODULE_SETTING}: ${name} ${why}`);
  let exported: unknown;
  try {
    // A file there is a path (`tasks/index.js` too); anything else a package name.
    const specifier = existsSync(resolve(name)) ? resolve(name) : name;
    // The user's code, loaded in the worker's and the CLI's process only: never in the workflow bundle.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a module named at run time
    exported = require(require.resolve(specifier, { paths: [process.cwd()] })) as unknown;
  } catch (err) {
    throw bad(`cannot be loaded: ${(err as Error).message.split('\n')[0]}`);
  }
  const module = exported as { tasks?: unknown; default?: unknown } | undefined;
  const tasks = module?.tasks ?? module?.default ?? exported;
  if (!Array.isArray(tasks) || tasks.length === 0) {
    throw bad('exports no tasks: export `tasks`, an array of task definitions (defineTask)');
  }
  tasks.forEach((task: unknown, index) => {
    const problem = definitionProblem(task);
    if (problem) throw bad(`exports a bad task at tasks[${index}]: ${problem}`);
  });
  const names = tasks.map((task: TaskDefinition) => task.name);
  const twice = names.find((taskName, index) => names.indexOf(taskName) !== index);
  if (twice) throw bad(`exports two tasks named "${twice}"`);
  return tasks as TaskDefinition[];
}

function definitionProblem(value: unknown): string | undefined {
  const task = value as Partial<Record<keyof TaskDefinition, unknown>> | null;
  if (typeof task !== 'object' || task === null) return 'not an object';
  if (typeof task.name !== 'string' || !/^[a-z][a-z0-9_]{0,63}$/.test(task.name)) {
    return 'name must be a lower-case task name such as sync_orders';
  }
  const schema = (field: unknown) => typeof (field as { safeParse?: unknown })?.safeParse === 'function';
  if (!schema(task.input) || !schema(task.output))
    return `${task.name}: input and output must be zod schemas`;
  if (typeof task.run !== 'function') return `${task.name}: run must be a function`;
  return undefined;
}
