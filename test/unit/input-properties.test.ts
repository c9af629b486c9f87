import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import fc from 'fast-check';
import { checkRunInput } from '../../src/activities/input-check';
import { checkSpec } from '../../src/client-library';
import { ConfigError, loadClientConfig, loadWorkerConfig } from '../../src/config';
import { isErrorType } from '../../src/contract';
import { createLauncherClient } from '../../src/mlx';
import { DEFAULT_STEP_POLICIES } from '../../src/policies';
import { builtinTasks, createTaskRegistry } from '../../src/tasks';
import { testTasks } from '../helpers/test-tasks';

// Property-based tests (fast-check) of the parsers at the edges: JobSpecs from clients, settings from
// the environment, the MLX launcher's answers. Whatever comes in, the answer is a parsed value or a
// problem naming its field; never an untyped exception.

const tasks = createTaskRegistry([...builtinTasks, ...testTasks]);
const FIELD = /^(\(root\)|[a-z_]+(\.[A-Za-z0-9_]+)*): /;

const id = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,40}$/);
const validSpec = fc.record({
  job_id: id,
  profile_id: id,
  folder_id: id,
  platform: fc.constantFrom('shopee_my', 'lazada_id', 'tiktok_shop_th'),
  client_id: id,
  task: fc.record({ name: fc.constant('read_title'), input: fc.record({ title: fc.string() }) }),
});

const SAMPLE_SPEC = {
  job_id: 'j-1',
  profile_id: 'p-1',
  folder_id: 'f-1',
  platform: 'shopee_my',
  client_id: 'c-1',
  task: { name: 'read_title', input: { title: 't' } },
};

test('property: any JSON is a checked spec or a list of problems, each naming its field', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      const checked = checkSpec(value, { tasks });
      if (checked.spec) return;
      assert.ok(checked.problems.length > 0);
      for (const problem of checked.problems) assert.match(problem, FIELD);
    }),
    { numRuns: 500 },
  );
});

test('property: a valid spec passes whole; one bad field is refused naming exactly that field', () => {
  const breakers: [string, unknown][] = [
    ['job_id', 'has space'],
    ['profile_id', 'p:1@x'],
    ['folder_id', ''],
    ['platform', 'Shopee'],
    ['client_id', '../etc'],
    ['callback_url', 'https://user:pw@hooks.example/x'],
    ['headless', 'yes'],
    ['deadline_ms', 1e15],
    ['surprise', true],
  ];
  fc.assert(
    fc.property(validSpec, fc.constantFrom(...breakers), (spec, [field, bad]) => {
      const ok = checkSpec(spec, { tasks });
      assert.deepEqual(ok.problems, undefined);
      assert.equal(ok.spec?.job_id, spec.job_id);
      const broken = checkSpec({ ...spec, [field]: bad }, { tasks });
      assert.ok(broken.problems, `${field}=${String(bad)} is refused`);
      assert.ok(
        broken.problems.every(
          (p) => p.startsWith(`${field}:`) || (field === 'surprise' && p.startsWith('(root)')),
        ),
        broken.problems.join('; '),
      );
    }),
    { numRuns: 200 },
  );
});

// The worker's check runs as a local activity: an untyped exception there would be retried for ever.
test('property: any JSON as a run input passes the worker check or is JobSpecInvalid naming its fields', () => {
  const policies = DEFAULT_STEP_POLICIES;
  const input = fc.oneof(
    fc.jsonValue(),
    fc.record(
      {
        spec: fc.oneof(validSpec, fc.jsonValue()),
        policies: fc.oneof(fc.constant(policies), fc.jsonValue()),
      },
      { requiredKeys: [] },
    ),
    fc.record({
      spec: validSpec,
      policies: fc.constant(policies),
      dead_letter_retention_ms: fc.jsonValue(),
      schedule: fc.jsonValue(),
      retried_run: fc.jsonValue(),
    }),
  );
  fc.assert(
    fc.property(input, (value) => {
      try {
        checkRunInput({}, value);
      } catch (err) {
        assert.ok(err instanceof ApplicationFailure && err.type === 'JobSpecInvalid', String(err));
        assert.equal(err.nonRetryable, true);
        const { problems } = err.details?.[0] as { problems: string[] };
        assert.ok(problems.length > 0);
        for (const problem of problems) assert.match(problem, FIELD);
      }
    }),
    { numRuns: 500 },
  );
  assert.doesNotThrow(() => checkRunInput({}, { spec: { ...SAMPLE_SPEC }, policies }));
});

test('property: a number setting is a plain decimal integer within its bounds, or a ConfigError naming it', () => {
  const candidates = fc.oneof(
    fc.string(),
    fc.integer({ min: -10, max: 5_000_000 }).map(String),
    fc.constantFrom('1e9', '0x10', '60000.0', ' 60000', '+60000', '060000', '3600001', '2999', '1_000'),
  );
  fc.assert(
    fc.property(candidates, (value) => {
      let config;
      try {
        config = loadWorkerConfig({ MLX_LEASE_TTL_MS: value, MLX_WEBHOOK_UNSIGNED: 'true' });
      } catch (err) {
        assert.ok(err instanceof ConfigError, `a ConfigError, not ${String(err)}`);
        assert.match(err.message, /^bad setting MLX_LEASE_TTL_MS: /);
        return;
      }
      if (value === '') return; // unset: the default
      assert.match(value, /^\d+$/);
      assert.equal(config.leaseTtlMs, Number(value));
      assert.ok(config.leaseTtlMs >= 3_000 && config.leaseTtlMs <= 3_600_000);
    }),
    { numRuns: 300 },
  );
  // The documented rule (docs/operations.md): a plain decimal number of ms up to 30 days, 7 days when
  // unset. Each value's outcome is predicted, so a refusal of a good value fails as much as an acceptance
  // of a bad one.
  const DAY = 24 * 3600 * 1000;
  const outcomes = { accepted: 0, refused: 0 };
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string(),
        fc.integer({ min: -10, max: 30 * DAY + 10 }).map(String),
        fc.constantFrom('0', String(30 * DAY), String(30 * DAY + 1), '1e9', ' 60000', '60000.0', '0x10'),
      ),
      (value) => {
        const expected =
          value === ''
            ? 7 * DAY
            : /^\d+$/.test(value) && Number(value) <= 30 * DAY
              ? Number(value)
              : 'refused';
        let got: number | 'refused';
        try {
          got = loadClientConfig({ MLX_DEAD_LETTER_RETENTION_MS: value }).deadLetterRetentionMs;
        } catch (err) {
          assert.ok(err instanceof ConfigError, `a ConfigError, not ${String(err)}`);
          assert.match(err.message, /^bad setting MLX_DEAD_LETTER_RETENTION_MS: /);
          got = 'refused';
        }
        assert.equal(got, expected, `MLX_DEAD_LETTER_RETENTION_MS=${JSON.stringify(value)}`);
        outcomes[got === 'refused' ? 'refused' : 'accepted'] += 1;
      },
    ),
    { numRuns: 300 },
  );
  assert.ok(
    outcomes.accepted > 50 && outcomes.refused > 50,
    `both outcomes were tried: ${JSON.stringify(outcomes)}`,
  );
});

test('property: whatever the launcher answers, a start is a port or a typed MLX failure', async () => {
  let answer = { status: 200, body: '' };
  const server = createServer((_req, res) => {
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const launcher = createLauncherClient({
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    timeoutMs: 2_000,
  });
  const body = fc.oneof(
    fc.string(),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc
      .record({
        data: fc.oneof(fc.constant(null), fc.record({ port: fc.oneof(fc.integer(), fc.string()) })),
        status: fc.record({
          error_code: fc.oneof(fc.constant(''), fc.string(), fc.constant('PROFILE_ALREADY_RUNNING')),
          http_code: fc.integer({ min: 100, max: 599 }),
          message: fc.string(),
        }),
      })
      .map((v) => JSON.stringify(v)),
  );
  try {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(200, 400, 401, 404, 429, 500, 503), body, async (status, text) => {
        answer = { status, body: text };
        try {
          const started = await launcher.startProfile({ folderId: 'f', profileId: 'p', headless: true });
          assert.ok(Number.isInteger(started.port) && started.port >= 1 && started.port <= 65_535);
        } catch (err) {
          assert.ok(err instanceof ApplicationFailure, `typed, not ${String(err)}`);
          assert.ok(isErrorType(err.type), `a taxonomy type, not ${err.type}`);
        }
      }),
      { numRuns: 150 },
    );
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
