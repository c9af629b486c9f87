import { describeTask, type TaskRegistry } from '../tasks';
import { parseCommandArgs, UsageError } from './usage-error';

export const TASKS_HELP = `Usage: mlx-jobs tasks [--json]
       mlx-jobs tasks show NAME [--json]

Lists the tasks this installation knows, or shows one: its input and output as JSON Schema (from the
task's own zod schemas) and an example JobSpec that runs it. Needs neither Temporal nor a browser.
Build a spec from the example: change the ids, put the task input your job needs (it is checked
against the input schema), submit it.`;

/** `mlx-jobs tasks …`: args are what follows `tasks`. */
export function runTasks(args: string[], out: (line: string) => void, registry: TaskRegistry): number {
  const { values, positionals } = parseCommandArgs(
    {
      args,
      allowPositionals: true,
      options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    },
    TASKS_HELP,
  );
  if (values.help) {
    out(TASKS_HELP);
    return 0;
  }
  const [action, name, ...extra] = positionals;
  if (action === undefined) {
    const tasks = registry.names().map((n) => describeTask(registry.get(n)));
    if (values.json) out(JSON.stringify(tasks.map(({ name, description }) => ({ name, description }))));
    else
      for (const task of tasks)
        out(`${task.name}  ${task.description}\n  input: ${fieldsOf(task.input_schema)}`);
    return 0;
  }
  if (action !== 'show' || !name || extra.length) {
    throw new UsageError(`tasks takes "show NAME" or nothing`, TASKS_HELP);
  }
  if (!registry.names().includes(name)) {
    throw new UsageError(`no task named "${name}"; known: ${registry.names().join(', ')}`);
  }
  const task = describeTask(registry.get(name));
  if (values.json) {
    out(JSON.stringify(task));
    return 0;
  }
  out(`${task.name}: ${task.description}`);
  out(`\ninput (task.input), JSON Schema:\n${JSON.stringify(task.input_schema, null, 2)}`);
  out(`\noutput, JSON Schema:\n${JSON.stringify(task.output_schema, null, 2)}`);
  for (const failure of task.failures) {
    out(
      `\nfailure ${failure.type} (${failure.retryable ? 'retried' : 'not retried'}): ${failure.description}`,
    );
  }
  out(
    task.example_spec
      ? `\nexample spec (mlx-jobs submit FILE):\n${JSON.stringify(task.example_spec, null, 2)}`
      : '\n(the task defines no example input)',
  );
  return 0;
}

/** `from*, to*, status` : the input's top-level fields, required ones starred. */
function fieldsOf(schema: Record<string, unknown>): string {
  const properties = Object.keys((schema.properties as Record<string, unknown> | undefined) ?? {});
  const required = new Set((schema.required as string[] | undefined) ?? []);
  return properties.map((p) => (required.has(p) ? `${p}*` : p)).join(', ') || '(none)';
}
