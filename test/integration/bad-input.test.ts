import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { cancelJob, getJob, jobFailureOf, startJob, waitForJob } from '../../src/client-library';
import { errorTypeOf, profileQueueWorkflowId, workflowIdFor } from '../../src/contract';
import { queueQuery } from '../../src/workflows';
import { startHarness, type Harness } from '../helpers/harness';
import { runCliHere } from '../helpers/cli';
import { runCli } from '../helpers/spawn';
import { waitUntil } from '../helpers/processes';
import { bannedAccounts } from '../helpers/test-tasks';

// The bad-input corpus, through the CLI (bin/mlx-jobs as a user runs it) and through the library: each
// case is refused with its field named, exit 2, no stack trace, and nothing is started. The CLI runs
// against a Temporal address nobody listens on: it checks the spec before it connects.
let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.close();
});

const nowhere = () => ({ ...h.cliEnv, TEMPORAL_ADDRESS: '127.0.0.1:1' });
/** A spec whose task input nests `levels` deep, as JSON text (JSON.stringify would overflow the stack). */
const deepSpecText = (jobId: string, levels: number): string => {
  const marker = '"__deep__"';
  const text = JSON.stringify(spec(jobId, { task: input({ note: '__deep__' }) }));
  return text.replace(marker, `${'{"next":'.repeat(levels)}"bottom"${'}'.repeat(levels)}`);
};
/** The JSON text a case writes to its file: a string case is the text itself. */
const textOf = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

/** sync_orders' task with valid input, `change` applied (a key set to undefined is removed). */
const input = (change: Record<string, unknown> = {}) => ({
  name: 'sync_orders',
  input: withChange(
    { seller_centre_url: 'https://seller.example', account: 'shop-42', from: '2026-11-01', to: '2026-11-02' },
    change,
  ),
});

/** A valid spec of its own job_id, `change` applied. */
const spec = (jobId: string, change: Record<string, unknown> = {}) =>
  withChange(
    { job_id: jobId, ...h.jobFields(jobId), task: input(), callback_url: 'https://hooks.example/mlx' },
    change,
  );

function withChange(base: Record<string, unknown>, change: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries({ ...base, ...change }).filter(([, v]) => v !== undefined));
}

const CASES: { name: string; spec: (jobId: string) => unknown; field: RegExp }[] = [
  { name: 'job_id with a space', spec: (j) => ({ ...spec(j), job_id: `${j} x` }), field: /job_id: / },
  {
    name: 'job_id too long',
    spec: (j) => ({ ...spec(j), job_id: `${j}-${'x'.repeat(200)}` }),
    field: /job_id: .*200/,
  },
  {
    name: 'profile_id with : and @',
    spec: (j) => spec(j, { profile_id: 'p:1@host' }),
    field: /profile_id: /,
  },
  { name: 'client_id with a path', spec: (j) => spec(j, { client_id: '../42' }), field: /client_id: / },
  { name: 'platform in capitals', spec: (j) => spec(j, { platform: 'Shopee' }), field: /platform: / },
  { name: 'unknown field', spec: (j) => spec(j, { prioirty: 1 }), field: /prioirty/ },
  {
    name: 'unknown task',
    spec: (j) => spec(j, { task: { name: 'sync_ordres', input: {} } }),
    field: /task\.name: no task named "sync_ordres"/,
  },
  {
    name: 'task input without its URL',
    spec: (j) => spec(j, { task: input({ seller_centre_url: undefined }) }),
    field: /task\.input\.seller_centre_url: /,
  },
  {
    name: 'task input with a reversed range',
    spec: (j) => spec(j, { task: input({ from: '2026-11-05' }) }),
    field: /task\.input\.from: must be on or before/,
  },
  {
    name: 'task input of 10 MB',
    spec: (j) => spec(j, { task: input({ note: 'x'.repeat(10 * 1024 * 1024) }) }),
    field: /\(root\): larger than 262144 bytes|task\.input: /,
  },
  {
    name: 'task input over 64 KiB',
    spec: (j) => spec(j, { task: input({ note: 'x'.repeat(70 * 1024) }) }),
    field: /task\.input: .*65536/,
  },
  {
    name: '5,000-deep nesting',
    spec: (j) => deepSpecText(j, 5_000),
    field: /\(root\): nests deeper than 16/,
  },
  {
    name: 'callback_url with a password',
    spec: (j) => spec(j, { callback_url: 'https://u:pw@hooks.example/x' }),
    field: /callback_url: .*user name or password/,
  },
  {
    name: 'callback_url with user info and no //',
    spec: (j) => spec(j, { callback_url: 'https:user:pass@hooks.example/x' }),
    field: /callback_url: (callback_url must be an http\(s\) URL|must not carry credentials)/,
  },
  // Refused without DNS, with the workers' allowlist (MLX_WEBHOOK_ALLOW_HOSTS) as the client reads it.
  ...[
    'https://2852039166/hook', // 169.254.169.254 in decimal
    'https://[::ffff:169.254.169.254]/hook',
    'https://localhost:7233/',
  ].map((url) => ({
    name: `callback_url ${url}`,
    spec: (j: string) => spec(j, { callback_url: url }),
    field: /callback_url: host is a private, loopback, link-local, metadata or otherwise non-public address/,
  })),
  {
    name: 'callback_url to the metadata service over http',
    spec: (j) => spec(j, { callback_url: 'http://169.254.169.254/latest/meta-data/' }),
    field: /callback_url: must be https/,
  },
  {
    name: 'callback_url not http',
    spec: (j) => spec(j, { callback_url: 'file:///etc/passwd' }),
    field: /callback_url: /,
  },
  {
    name: 'policies dropping non-retryable types',
    spec: (j) => spec(j, { policies: { executeTask: { retry: { non_retryable_error_types: [] } } } }),
    field: /policies\.executeTask\.retry\.non_retryable_error_types: a job may add types, not remove them/,
  },
  {
    name: 'heartbeat of 1e15 ms',
    spec: (j) => spec(j, { policies: { executeTask: { heartbeat_ms: 1e15 } } }),
    field: /policies\.executeTask\.heartbeat_ms: /,
  },
  {
    name: 'backoff coefficient 1e300',
    spec: (j) => spec(j, { policies: { startProfile: { retry: { backoff_coefficient: 1e300 } } } }),
    field: /policies\.startProfile\.retry\.backoff_coefficient: /,
  },
  { name: 'deadline of 1e15 ms', spec: (j) => spec(j, { deadline_ms: 1e15 }), field: /deadline_ms: / },
  { name: 'not an object', spec: () => ['a', 'list'], field: /\(root\)|expected object/ },
];

test('the bad-input corpus: the CLI exits 2 naming the field, before it connects to Temporal', async () => {
  const runs = CASES.map((c, i) => {
    const jobId = `bad-cli-${i}`;
    const file = join(h.dataDir, `${jobId}.json`);
    writeFileSync(file, textOf(c.spec(jobId)));
    return { c, jobId, file };
  });
  // Four at a time: each is a process of its own.
  for (let i = 0; i < runs.length; i += 4) {
    await Promise.all(
      runs.slice(i, i + 4).map(async ({ c, file }) => {
        const run = await runCliHere(['submit', file], nowhere());
        assert.equal(run.code, 2, `${c.name}: exit 2 (${run.stderr})`);
        assert.match(run.stderr, c.field, c.name);
        assert.doesNotMatch(run.stderr, /^\s+at /m, `${c.name}: no stack trace`);
      }),
    );
  }
  const notJson = join(h.dataDir, 'not-json.json');
  writeFileSync(notJson, '{"job_id": ');
  const broken = await runCli(['submit', notJson], nowhere());
  assert.equal(broken.code, 2);
  assert.match(broken.stderr, /not-json\.json is not valid JSON/);
  const missing = await runCliHere(['submit', join(h.dataDir, 'nope.json')], nowhere());
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nope\.json: cannot read it \(ENOENT\)/);
  for (const { jobId } of runs)
    await assert.rejects(getJob(h.client, jobId), /not found/i, `${jobId} started`);
});

test('the bad-input corpus: startJob refuses each with JobSpecInvalid naming the field, starting nothing', async () => {
  for (const [i, c] of CASES.entries()) {
    const jobId = `bad-lib-${i}`;
    const value = c.spec(jobId);
    const given: unknown = typeof value === 'string' ? JSON.parse(value) : value;
    await assert.rejects(startJob(h.client, given, h.startOptions), (err: unknown) => {
      assert.equal(errorTypeOf(err), 'JobSpecInvalid', c.name);
      assert.match((err as Error).message, c.field, c.name);
      return true;
    });
    await assert.rejects(getJob(h.client, jobId), /not found/i);
  }
});

/**
 * Cases the forged-input test leaves out: the host refuses the task's name and input itself
 * (TaskUnknown, TaskInputInvalid: job-failures.test.ts); 10 MB is over Temporal's limit on a start's
 * input; the deep case is JSON text.
 */
const HOST_CHECKED = new Set([
  // Judged by the worker when it delivers, with DNS and its own allowlist (job-e2e.test.ts).
  'callback_url https://2852039166/hook',
  'callback_url https://[::ffff:169.254.169.254]/hook',
  'callback_url https://localhost:7233/',
  'callback_url to the metadata service over http',
  'unknown task',
  'task input without its URL',
  'task input with a reversed range',
  'task input of 10 MB',
  '5,000-deep nesting',
]);

/** The resolved policies with `step`'s never-retried types replaced. */
const withTypes = (h: Harness, step: 'executeTask' | 'startProfile', types: string[]) => ({
  ...h.policies,
  [step]: { ...h.policies[step], retry: { ...h.policies[step].retry, non_retryable_error_types: types } },
});

/** The profile a forged input names, if it names one. */
const profileOf = (input: unknown): string | undefined => {
  const spec = (input as { spec?: { profile_id?: unknown } } | null)?.spec;
  return typeof spec?.profile_id === 'string' ? spec.profile_id : undefined;
};

test('the worker refuses the corpus, and unchecked policies, sent as plain workflow input, before it takes a turn', async () => {
  // What anyone who can start a workflow in the namespace can send: no client checked any of it. No
  // callback_url, so nothing is delivered for a refused run either way.
  const noCallback = { callback_url: undefined };
  const forged: { name: string; input: unknown; field: RegExp }[] = [
    ...CASES.filter((c) => !HOST_CHECKED.has(c.name)).map((c, i) => {
      const value = c.spec(`forged-${i}`);
      const callback = /callback_url/.test(c.field.source) ? {} : noCallback;
      const spec = Array.isArray(value) ? value : { ...(value as object), ...callback };
      return { name: c.name, input: { spec, policies: h.policies }, field: c.field };
    }),
    {
      name: 'job_id that climbs out of the artifacts dir',
      input: { spec: spec('x', { job_id: '../../escaped', ...noCallback }), policies: h.policies },
      field: /spec\.job_id: /,
    },
    {
      name: 'a deadline that is no number',
      input: { spec: spec('forged-deadline', { deadline_ms: 'soon', ...noCallback }), policies: h.policies },
      field: /spec\.deadline_ms: .*expected number/,
    },
    { name: 'a spec that is a string', input: { spec: 'x', policies: h.policies }, field: /spec: .*object/ },
    { name: 'no spec', input: { policies: h.policies }, field: /spec: .*object/ },
    { name: 'an input that is no object', input: 'x', field: /\(root\): the input must be an object/ },
    {
      name: 'unlimited task attempts',
      input: {
        spec: spec('forged-attempts', noCallback),
        policies: {
          ...h.policies,
          executeTask: {
            ...h.policies.executeTask,
            retry: { ...h.policies.executeTask.retry, maximum_attempts: 0 },
          },
        },
      },
      field: /policies\.executeTask\.retry\.maximum_attempts: unlimited/,
    },
    {
      name: 'a 30-day task',
      input: {
        spec: spec('forged-timeout', noCallback),
        policies: {
          ...h.policies,
          executeTask: { ...h.policies.executeTask, start_to_close_ms: 30 * 24 * 3600 * 1000 },
        },
      },
      field: /policies\.executeTask\.start_to_close_ms: at most 7200000/,
    },
    {
      name: 'every failure retried',
      input: { spec: spec('forged-retried', noCallback), policies: withTypes(h, 'executeTask', []) },
      field:
        /policies\.executeTask\.retry\.non_retryable_error_types: a job may add types, not remove them \(missing .*PlatformAuthFailed/,
    },
    {
      name: 'a never-retried type that does not exist',
      input: {
        spec: spec('forged-type', noCallback),
        policies: withTypes(h, 'startProfile', [
          ...h.policies.startProfile.retry.non_retryable_error_types,
          'Nope',
        ]),
      },
      field: /policies\.startProfile\.retry\.non_retryable_error_types: unknown types Nope/,
    },
    {
      name: 'a dead letter kept for 1e12 ms',
      input: {
        spec: spec('forged-retention', noCallback),
        policies: h.policies,
        dead_letter_retention_ms: 1e12,
      },
      field: /dead_letter_retention_ms: /,
    },
    {
      name: 'a schedule in a time zone that does not exist',
      input: {
        spec: spec('forged-schedule', noCallback),
        policies: h.policies,
        schedule: { schedule_id: 'forged-schedule', time_zone: 'Mars/Olympus_Mons' },
      },
      field: /schedule\.time_zone: must be an IANA time zone/,
    },
  ];
  await Promise.all(
    forged.map(async (c, i) => {
      const jobId = `forged-input-${i}`;
      const handle = await h.client.workflow.start('runJob', {
        taskQueue: h.taskQueue,
        workflowId: workflowIdFor(jobId),
        args: [c.input],
      });
      // Refused as the run starts: not parked, whatever dead-letter retention the input asks for.
      const failure = await handle.result().then(
        () => assert.fail(`${c.name}: the run completed`),
        (err: unknown) => jobFailureOf(err),
      );
      assert.deepEqual(
        { type: failure.type, step: failure.step },
        { type: 'JobSpecInvalid', step: undefined },
        c.name,
      );
      assert.match(failure.message, c.field, c.name);
      const history = await handle.fetchHistory();
      assert.ok(
        !history.events?.some((e) => e.activityTaskScheduledEventAttributes || e.timerStartedEventAttributes),
        `${c.name}: the run did nothing before it failed`,
      );
      // It never joined its profile's line: no queue was started for it.
      const profile = profileOf(c.input);
      if (profile) {
        await assert.rejects(
          h.client.workflow.getHandle(profileQueueWorkflowId(profile)).describe(),
          WorkflowNotFoundError,
          `${c.name}: the profile's queue was started`,
        );
      }
    }),
  );
  assert.deepEqual(await h.deps.leases.list(), [], 'no profile was leased');
  assert.equal(h.launcher.runningProfiles().length, 0, 'no browser started');
  // Nothing was written for them: in MLX_ARTIFACTS_DIR, or in the data dir that holds it, or beside that.
  const artifacts = h.deps.artifactsDir;
  const written = [
    ...(existsSync(artifacts) ? readdirSync(artifacts, { recursive: true, encoding: 'utf8' }) : []),
    ...readdirSync(h.dataDir),
    ...readdirSync(join(h.dataDir, '..')),
  ];
  assert.deepEqual(
    written.filter((f) => /forged|escaped/.test(f)),
    [],
  );
});

test('a forged input takes no turn: the job holding its profile keeps it, and nothing waits behind the forged run', async () => {
  const holder = 'turn-holder';
  const profile = h.jobFields(holder).profile_id;
  await h.submit({
    job_id: holder,
    task: { name: 'wait_until_cancelled', input: {} },
    callback_url: undefined,
  });
  await waitUntil(
    async () => (await getJob(h.client, holder)).progress?.current_step === 'executeTask',
    30_000,
  );
  const jobId = 'forged-turn';
  const forged = await h.client.workflow.start('runJob', {
    taskQueue: h.taskQueue,
    workflowId: workflowIdFor(jobId),
    args: [
      {
        spec: spec(jobId, { profile_id: profile, client_id: '../42', callback_url: undefined }),
        policies: h.policies,
      },
    ],
  });
  const queue = h.client.workflow.getHandle(profileQueueWorkflowId(profile));
  const joined = async () => {
    const state = await queue.query(queueQuery);
    const runs = [state.holder?.job_id, ...state.waiting.map((r) => r.job_id)];
    return runs.includes(jobId) || (state.released ?? []).includes(forged.firstExecutionRunId);
  };
  const closed = async () => (await forged.describe()).status.name !== 'RUNNING';
  // Either the forged run ends, or (unchecked) it joins the line behind the holder and waits there.
  await waitUntil(async () => (await closed()) || (await joined()), 30_000, 'the forged run to end or join');
  assert.equal(await joined(), false, "the forged run joined the profile's line");
  const failure = await forged.result().then(
    () => assert.fail('the forged run completed'),
    (err: unknown) => jobFailureOf(err),
  );
  assert.equal(failure.type, 'JobSpecInvalid');
  assert.match(failure.message, /spec\.client_id: /);
  const state = await queue.query(queueQuery);
  assert.deepEqual({ holder: state.holder?.job_id, waiting: state.waiting }, { holder, waiting: [] });
  await cancelJob(h.client, holder);
  await waitForJob(h.client, holder).catch(() => undefined);
});

test('a worker with payload keys refuses workflow input that is not encrypted, typed', async () => {
  // A client without the keys (the Temporal CLI, the UI, a script): its input reaches history in clear.
  const plain = new Client({ connection: h.client.connection, namespace: h.client.options.namespace });
  const jobId = 'plaintext-input';
  const handle = await plain.workflow.start('runJob', {
    taskQueue: h.taskQueue,
    workflowId: workflowIdFor(jobId),
    args: [{ spec: spec(jobId, { callback_url: undefined }), policies: h.policies }],
  });
  await assert.rejects(handle.result());
  // Read with the keys: the failure's message is encrypted in history like everything else.
  const failure = await waitForJob(h.client, jobId).then(
    () => assert.fail('the run completed'),
    (err: unknown) => jobFailureOf(err),
  );
  assert.equal(failure.type, 'PayloadNotEncrypted');
  assert.match(failure.message, /MLX_PAYLOAD_ALLOW_PLAINTEXT/);
  const history = await handle.fetchHistory();
  assert.ok(
    !history.events?.some((e) => e.activityTaskScheduledEventAttributes || e.timerStartedEventAttributes),
    'the run did nothing before it failed',
  );
});

test("ids that are Object.prototype's keys are ids like any other: the failure webhook arrives, signed", async () => {
  // Valid ids by the charset; a lookup by id that reaches Object.prototype crashed the delivery.
  const ids = ['constructor', 'toString', 'valueOf', 'hasOwnProperty'];
  await Promise.all(
    ids.map(async (id) => {
      const jobId = `proto-${id}`;
      // No credential is configured, so the host refuses the job before any browser starts.
      await startJob(
        h.client,
        spec(jobId, { client_id: id, profile_id: id, folder_id: id, callback_url: h.receiver.url }),
        h.startOptions,
      );
      const delivery = await h.receiver.waitFor(jobId);
      const body = delivery.body as { status: string; client_id: string; error?: { step?: string } };
      assert.deepEqual(
        { status: body.status, client_id: body.client_id, step: body.error?.step },
        { status: 'failed', client_id: id, step: 'startProfile' },
      );
    }),
  );
});

test("a profile of another client is refused at submit, from the client's MLX_PROFILE_OWNERS", async () => {
  const file = join(h.dataDir, 'other-client.json');
  writeFileSync(file, JSON.stringify(spec('other-client', { client_id: 'client-43' })));
  const owners = JSON.stringify({ folders: { 'folder-test': 'client-42' } });
  const run = await runCliHere(['submit', file], { ...nowhere(), MLX_PROFILE_OWNERS: owners });
  assert.equal(run.code, 2);
  assert.match(
    run.stderr,
    /profile_id: profile profile-other-client is not one of client client-43's profiles/,
  );
  assert.doesNotMatch(run.stderr, /client-42/, "the owner's id is not revealed");
});

test('a job_id submitted again: the same spec gets the existing run, another spec is a conflict (exit 3)', async () => {
  const jobId = 'resubmitted';
  const write = (name: string, value: unknown) => {
    const file = join(h.dataDir, name);
    writeFileSync(file, JSON.stringify(value));
    return file;
  };
  const first = { job_id: jobId, ...h.jobFields(jobId), task: { name: 'read_title', input: { title: 'a' } } };
  const original = write('resubmit-1.json', first);
  const created = await runCliHere(['submit', original, '--json'], h.cliEnv);
  assert.equal(created.code, 0, created.stderr);
  const started = JSON.parse(created.stdout) as { created: boolean; run_id: string };
  assert.equal(started.created, true);

  // The same spec with its keys in another order is the same spec.
  const reordered = write('resubmit-2.json', Object.fromEntries(Object.entries(first).reverse()));
  const again = await runCliHere(['submit', reordered, '--json'], h.cliEnv);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(
    { created: false, run_id: started.run_id },
    (({ created, run_id }) => ({ created, run_id }))(JSON.parse(again.stdout) as typeof started),
  );

  const changed = write('resubmit-3.json', {
    ...first,
    task: { name: 'read_title', input: { title: 'b' } },
    callback_url: `${h.receiver.url}?v=2`,
  });
  const conflict = await runCli(['submit', changed], h.cliEnv);
  assert.equal(conflict.code, 3, conflict.stderr);
  assert.match(
    conflict.stderr,
    /job resubmitted was already submitted with a different spec \(task\.input, callback_url differ\)/,
  );
  assert.doesNotMatch(conflict.stderr, /^\s+at /m);
  await assert.rejects(
    startJob(h.client, JSON.parse(JSON.stringify({ ...first, platform: 'lazada_id' })), h.startOptions),
    (err: unknown) => {
      assert.equal(errorTypeOf(err), 'JobConflict');
      assert.match((err as Error).message, /\(platform differ\)/);
      return true;
    },
  );
});

test('text from a page, a task or a spec reaches the terminal as no control sequence: submit --wait, status', async () => {
  // An OSC title change, a screen clear, a C1 CSI, a right-to-left override and a carriage return.
  const hostile = '\u001b]0;owned\u0007\u001b[2J\u009b31m\u202eevil\r';
  // eslint-disable-next-line no-control-regex
  const unsafe = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
  const account = `acct-${hostile}`;
  bannedAccounts.add(account);
  const jobs = {
    // The page's title comes back as the task's output; the typed failure quotes the spec's account.
    'hostile-title': { name: 'read_title', input: { title: hostile } },
    'hostile-failure': { name: 'banned_while_flagged', input: { account } },
  };
  for (const [jobId, task] of Object.entries(jobs)) {
    const file = join(h.dataDir, `${jobId}.json`);
    writeFileSync(file, JSON.stringify({ job_id: jobId, ...h.jobFields(jobId), task }));
    const runs = [
      await runCliHere(['submit', file, '--wait'], h.cliEnv),
      await runCliHere(['status', jobId], h.cliEnv),
      await runCliHere(['status', jobId, '--json'], h.cliEnv),
    ];
    assert.match(runs[0]!.stdout, jobId === 'hostile-title' ? /completed/ : /failed: PlatformBanned/);
    for (const run of runs) {
      assert.doesNotMatch(run.stdout + run.stderr, unsafe, `${jobId}: ${JSON.stringify(run.stdout)}`);
    }
    // Shown, not dropped: the escapes say what the text held; the JSON still parses to the same text.
    assert.match(runs[0]!.stdout, /\\u009b31m\\u202eevil/);
    const status = JSON.parse(runs[2]!.stdout) as { result?: { output: { title: string } } };
    if (status.result) assert.match(status.result.output.title, /\u009b31m\u202eevil/);
  }
});

// The CLI as a command line tool: one line for each problem, its own exit code, answers alone on stdout.

/** Every command, as a user would call it (the ids need not exist: the option is refused first). */
const COMMANDS: string[][] = [
  ['submit', 'job.json'],
  ['submit', '--batch', 'jobs.jsonl'],
  ['status', 'some-job'],
  ['cancel', 'some-job'],
  ['trace', 'some-job'],
  ['traces'],
  ['leases'],
  ['dlq', 'list'],
  ['dlq', 'show', 'some-job'],
  ['dlq', 'retry', 'some-job'],
  ['schedule', 'list'],
  ['schedule', 'describe', 'some-schedule'],
  ['tasks'],
  ['codec-server'],
];

test('through the process: Temporal unreachable is one line naming TEMPORAL_ADDRESS (exit 5); an unknown option one usage line (exit 2)', async () => {
  const file = join(h.dataDir, 'unreachable.json');
  writeFileSync(file, JSON.stringify(spec('unreachable')));
  const [unreachable, unknown] = await Promise.all([
    runCli(['submit', file], nowhere()),
    runCli(['status', 'some-job', '--wiat'], h.cliEnv),
  ]);
  assert.equal(unreachable.code, 5, unreachable.stderr);
  assert.equal(
    unreachable.stderr,
    'mlx-jobs: cannot reach Temporal at TEMPORAL_ADDRESS=127.0.0.1:1: connection refused (nothing listens there)\n',
  );
  assert.equal(unreachable.stdout, '');
  assert.equal(unknown.code, 2, unknown.stderr);
  assert.equal(unknown.stderr, "mlx-jobs: unknown option '--wiat'; usage: mlx-jobs status JOB_ID [--json]\n");
});

test('every command refuses an unknown option with one usage line and exit 2', async () => {
  for (const command of COMMANDS) {
    const run = await runCliHere([...command, '--bogus'], h.cliEnv);
    const name = command.join(' ');
    assert.equal(run.code, 2, `${name}: ${run.stderr}`);
    const usage = name.startsWith('submit --batch') ? 'submit --batch' : command[0];
    assert.match(
      run.stderr,
      new RegExp(`^mlx-jobs: unknown option '--bogus'; usage: mlx-jobs ${usage}[^\\n]*\\n$`),
      name,
    );
  }
});

test('a job that does not exist: status, cancel, trace and dlq exit 4 with one line', async () => {
  for (const command of [
    ['status', 'never-submitted'],
    ['status', 'never-submitted', '--json'],
    ['cancel', 'never-submitted', '--json'],
    ['trace', 'never-submitted'],
    ['dlq', 'show', 'never-submitted'],
    ['dlq', 'discard', 'never-submitted', '--reason', 'gone'],
  ]) {
    const run = await runCliHere(command, h.cliEnv);
    assert.equal(run.code, 4, `${command.join(' ')}: ${run.stderr}`);
    assert.equal(
      run.stderr,
      'mlx-jobs: no such job: never-submitted (no workflow mlx-job-never-submitted)\n',
      command.join(' '),
    );
    assert.equal(run.stdout, '', command.join(' '));
  }
});

test('a command gives up on a Temporal that does not answer within MLX_TEMPORAL_CONNECT_TIMEOUT_MS', async () => {
  // Accepts connections and never answers: no refusal to tell, only the time bound ends the wait.
  const sockets: Socket[] = [];
  const silent = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    const address = `127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const run = await runCliHere(['status', 'some-job'], {
      ...h.cliEnv,
      TEMPORAL_ADDRESS: address,
      MLX_TEMPORAL_CONNECT_TIMEOUT_MS: '300',
    });
    assert.equal(run.code, 5, run.stderr);
    assert.match(
      run.stderr,
      new RegExp(
        `^mlx-jobs: cannot reach Temporal at TEMPORAL_ADDRESS=${address}: no answer within 0\\.3 s \\(MLX_TEMPORAL_CONNECT_TIMEOUT_MS\\)[^\\n]*\\n$`,
      ),
    );
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  }
});

test('cancel --json answers with JSON alone on stdout', async () => {
  const jobId = 'cancel-json';
  // On a queue no worker polls: the job stays open, so the request is all there is to see.
  await startJob(h.client, spec(jobId), { ...h.startOptions, taskQueue: 'nobody-polls-cancel-json' });
  const run = await runCliHere(['cancel', jobId, '--json'], h.cliEnv);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), {
    job_id: jobId,
    workflow_id: `mlx-job-${jobId}`,
    cancel_requested: true,
  });
  const history = await h.client.workflow.getHandle(`mlx-job-${jobId}`).fetchHistory();
  assert.ok(
    history.events?.some((e) => e.workflowExecutionCancelRequestedEventAttributes),
    'the cancellation was requested',
  );
});

test("reading a job's encrypted data without the workers' keys is one line naming the key settings", async () => {
  const jobId = 'read-without-keys';
  // On a queue no worker polls: the job stays open, its input (encrypted at submit) is all there is.
  await startJob(h.client, spec(jobId), { ...h.startOptions, taskQueue: 'nobody-polls-read-without-keys' });
  const withKeys = await runCliHere(['status', jobId], h.cliEnv);
  assert.equal(withKeys.code, 0, withKeys.stderr);
  const run = await runCliHere(['status', jobId], {
    ...h.cliEnv,
    MLX_PAYLOAD_KEYS: undefined,
    MLX_PAYLOAD_KEYS_FILE: undefined,
  });
  assert.equal(run.code, 1, run.stderr);
  assert.equal(
    run.stderr,
    "mlx-jobs: this job's data is encrypted and no key to read it is set: give this command the workers' keys (MLX_PAYLOAD_KEYS or MLX_PAYLOAD_KEYS_FILE)\n",
  );
  await cancelJob(h.client, jobId);
});
