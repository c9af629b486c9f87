import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parseJobSpec } from '../../src/contract';
import { builtinTasks, describeTask, type TaskDescription } from '../../src/tasks';
import { runCliHere as runCliInProcess } from '../helpers/cli';
import { assertPlaywrightTrace } from '../helpers/playwright-trace';
import { runCli as runAnyCli } from '../helpers/spawn';

// Neither Temporal nor a browser: nothing listens on the address, and there is no Chromium to start
// (but for `task run`, which starts the real one).
const env = { TEMPORAL_ADDRESS: '127.0.0.1:1', MLX_CHROMIUM_PATH: '/nonexistent/chromium' };
const withChromium = { ...env, MLX_CHROMIUM_PATH: process.env.MLX_CHROMIUM_PATH ?? '/usr/bin/chromium' };

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

test("MLX_TASKS_MODULE: the CLI describes and checks the module's tasks, not the built-in ones", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mlx-tasks-module-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // A user's module, outside the repository: zod by its path, as its own node_modules would give it.
  writeFileSync(
    join(dir, 'tasks.js'),
    `const { z } = require(${JSON.stringify(require.resolve('zod'))});
     exports.tasks = [{
       name: 'read_wallet', description: 'reads the wallet balance',
       input: z.object({ shop_url: z.url(), account: z.string() }),
       output: z.object({ balance_cents: z.number().int() }),
       example: { shop_url: 'https://seller.example', account: 'shop-42' },
       run: async () => ({ balance_cents: 1 }),
     }];`,
  );
  const withModule = { ...env, MLX_TASKS_MODULE: join(dir, 'tasks.js') };
  const listed = await runCli(['tasks', '--json'], withModule);
  assert.equal(listed.code, 0, listed.stderr);
  assert.deepEqual(JSON.parse(listed.stdout), [
    { name: 'read_wallet', description: 'reads the wallet balance' },
  ]);

  const shown = await runCliHere(['tasks', 'show', 'read_wallet', '--json'], withModule);
  const spec = (JSON.parse(shown.stdout) as TaskDescription).example_spec;
  const submit = (task: unknown) => {
    writeFileSync(join(dir, 'spec.json'), JSON.stringify({ ...spec, task }));
    return runCliHere(['submit', join(dir, 'spec.json')], withModule);
  };
  const builtin = await submit({ name: 'sync_orders', input: {} });
  assert.equal(builtin.code, 2);
  assert.match(builtin.stderr, /no task named "sync_orders"; known: read_wallet/);
  const badInput = await submit({ name: 'read_wallet', input: { shop_url: 'nope', account: 'shop-42' } });
  assert.equal(badInput.code, 2);
  assert.match(badInput.stderr, /task\.input\.shop_url/);

  writeFileSync(join(dir, 'empty.js'), 'exports.tasks = [];');
  const empty = await runCliHere(['tasks'], { ...env, MLX_TASKS_MODULE: join(dir, 'empty.js') });
  assert.equal(empty.code, 2);
  assert.match(empty.stderr, /bad setting MLX_TASKS_MODULE: .*empty\.js exports no tasks/);
  const missing = await runCliHere(['tasks'], { ...env, MLX_TASKS_MODULE: join(dir, 'nope.js') });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /bad setting MLX_TASKS_MODULE: .*nope\.js cannot be loaded/);
});

test('task run: a task completes on a local Chromium, its output on stdout and its Playwright trace written', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mlx-task-run-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'input.json'), JSON.stringify({ title: 'Orders of shop 42' }));
  const trace = join(dir, 'run.zip');
  // The real process (the CLI with the test tasks known): its exit code, its stdout alone holding the answer.
  const run = await runAnyCli(
    ['task', 'run', 'read_title', '--input', join(dir, 'input.json'), '--trace', trace],
    withChromium,
  );
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), { title: 'Orders of shop 42' });
  assert.match(run.stderr, /"msg":"task finished"/);
  assert.ok(run.stderr.includes(`npx playwright show-trace ${trace}`), run.stderr);
  const actions = assertPlaywrightTrace(trace).filter((e) => e.type === 'before');
  assert.deepEqual(
    actions.map((e) => e.method),
    ['setContent', 'title'],
    'the trace holds the actions the task took',
  );
});

test('task run: a failing task prints its type (exit 1) and still leaves its trace; bad arguments exit 2', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mlx-task-run-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'empty.json'), '{}');
  const trace = join(dir, 'failed.zip');
  const failed = await runCliInProcess(
    ['task', 'run', 'always_fails', '--input', join(dir, 'empty.json'), '--trace', trace],
    withChromium,
  );
  assert.equal(failed.code, 1, failed.stderr);
  assert.equal(failed.stdout, 'failed: TaskFailed: selector #orders not found\n');
  assert.ok(
    assertPlaywrightTrace(trace).some((e) => e.type === 'before' && e.method === 'setContent'),
    "the failed run's trace shows what it did before failing",
  );

  // The worker's credentials setting, checked for the client the run acts for, before a browser starts.
  const site = { account: 'shop-42', site: 'https://seller.example', away: 'https://elsewhere.example' };
  writeFileSync(join(dir, 'away.json'), JSON.stringify(site));
  const secrets = {
    'shop-42': { username: 'u', password: 'p', origins: [site.site], clients: ['42'] },
  };
  const refused = await runCliInProcess(
    ['task', 'run', 'navigate_away', '--input', join(dir, 'away.json'), '--account', '7'],
    { ...withChromium, MLX_TASK_SECRETS: JSON.stringify(secrets) },
  );
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(
    refused.stdout,
    /^failed: CredentialNotAllowed: credential "shop-42" is not one client 7 may use$/m,
  );

  const usage = async (args: string[], message: RegExp) => {
    const run = await runCliInProcess(['task', 'run', ...args], withChromium);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, message);
  };
  await usage(['read_title'], /task run needs --input FILE/);
  await usage(['read_title', '--input', join(dir, 'empty.json')], /task\.input\.title/);
  await usage(['no_such', '--input', join(dir, 'empty.json')], /no task named "no_such"/);
  await usage(
    ['read_title', '--input', join(dir, 'empty.json'), '--account', '../x'],
    /--account: a client_id/,
  );
  const noDir = join(dir, 'missing', 't.zip');
  await usage(['read_title', '--input', join(dir, 'empty.json'), '--trace', noDir], /--trace: its directory/);
  assert.ok(!existsSync(noDir));
});
