import assert from 'node:assert/strict';
import { test } from 'node:test';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parseJobSpec } from '../../src/contract';
import { builtinTasks, describeTask, type TaskDescription } from '../../src/tasks';
import { runCliHere as runCliInProcess } from '../helpers/cli';
import { runCli as runAnyCli } from '../helpers/spawn';

// Neither Temporal nor a browser: nothing listens on the address, and there is no Chromium to start.
const env = { TEMPORAL_ADDRESS: '127.0.0.1:1', MLX_CHROMIUM_PATH: '/nonexistent/chromium' };

/** bin/mlx-jobs itself: the installation's tasks, without the test ones (in this process: what it prints). */
const runCli = (args: string[], environment: NodeJS.ProcessEnv) =>
  runAnyCli(args, environment, undefined, { testTasks: false });
const runCliHere = (args: string[], environment: NodeJS.ProcessEnv) =>
  runCliInProcess(args, environment, { testTasks: false });

function validator(schema: Record<string, unknown>) {
  const ajv = new Ajv2020({ allErrors: true });
  addFormats(ajv);
  return ajv.compile(schema);
}

test('mlx-jobs tasks lists the registered tasks without Temporal or a browser', async () => {
  const run = await runCliHere(['tasks'], env);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^sync_orders {2}reads the orders of a date range/m);
  assert.match(run.stdout, /input: seller_centre_url\*, account\*, from\*, to\*, status$/m);
  const json = JSON.parse((await runCliHere(['tasks', '--json'], env)).stdout) as { name: string }[];
  assert.deepEqual(
    json.map((t) => t.name),
    builtinTasks.map((t) => t.name),
  );
});

test('tasks show prints JSON Schema of input and output, and an example spec that validates against it', async () => {
  const run = await runCliHere(['tasks', 'show', 'sync_orders', '--json'], env);
  assert.equal(run.code, 0, run.stderr);
  const task = JSON.parse(run.stdout) as TaskDescription;
  const example = task.example_spec!;
  const validInput = validator(task.input_schema);
  assert.ok(validInput(example.task.input), JSON.stringify(validInput.errors));
  assert.deepEqual(parseJobSpec(example).task.name, 'sync_orders', 'the example is a valid JobSpec');
  // The schema is a real check: what the task refuses, the schema refuses too.
  assert.equal(validInput({ ...example.task.input, account: undefined }), false);
  assert.equal(validInput({ ...example.task.input, from: '23/11/2026' }), false);
  assert.equal(validInput({ ...example.task.input, seller_centre_url: 'not a url' }), false);
  assert.ok(validator(task.output_schema), 'the output schema compiles');

  const text = await runCliHere(['tasks', 'show', 'sync_orders'], env);
  assert.match(text.stdout, /^input \(task\.input\), JSON Schema:$/m);
  assert.match(text.stdout, /^example spec \(mlx-jobs submit FILE\):$/m);
  const unknown = await runCli(['tasks', 'show', 'no_such_task'], env);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no task named "no_such_task"; known: sync_orders/);
});

test("every built-in task's example passes its own zod schema and its JSON Schema", () => {
  for (const task of builtinTasks) {
    const described = describeTask(task);
    assert.ok(described.example_spec, `${task.name} has an example`);
    const input = described.example_spec.task.input;
    assert.ok(task.input.safeParse(input).success, task.name);
    assert.ok(validator(described.input_schema)(input), task.name);
  }
});
