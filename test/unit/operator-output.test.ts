import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createProgressPrinter, formatOutput } from '../../src/cli/format';
import type { JobStatus } from '../../src/client-library';
import { parseJobSpec, type JobProgress } from '../../src/contract';
import { renderDetails } from '../../src/workflows/run-metadata';

test('a short output is shown as it is; a long one as its counts and first rows', () => {
  assert.deepEqual(formatOutput({ title: 'ok' }, 'j1'), ['  output: {"title":"ok"}']);
  const rows = Array.from({ length: 120 }, (_, i) => ({
    id: `SO-${i}`,
    buyer: 'Priya Wong',
    total_cents: 4767,
  }));
  const lines = formatOutput({ count: 120, pages: 6, rows }, 'j2');
  assert.deepEqual(lines.slice(0, 2), ['  output: count=120 pages=6', '    rows: 120 item(s), the first 3:']);
  assert.equal(lines.length, 6);
  assert.equal(lines[2], `      ${JSON.stringify(rows[0])}`);
  assert.match(lines.at(-1)!, /^ {2}\(\d+ characters in all: mlx-jobs status j2 --json shows all of it\)$/);
  const long = formatOutput('x'.repeat(500), 'j3');
  assert.equal(long[0]!.length, '  output: '.length + 160);
});

const spec = parseJobSpec({
  job_id: 'orders-1',
  profile_id: 'p-1',
  folder_id: 'f-1',
  platform: 'lazada_id',
  client_id: '42',
  task: { name: 'sync_orders', input: {} },
});
const progress = (overrides: Partial<JobProgress>): JobProgress => ({
  job_id: 'orders-1',
  state: 'running',
  steps: [],
  ...overrides,
});

test("the run's current details: the step running, or the dead letter and the commands that act on it", () => {
  assert.equal(
    renderDetails(
      spec,
      {
        progress: progress({
          current_step: 'executeTask',
          worker_id: 'host-a',
          steps: [
            { step: 'acquireLease', status: 'completed', started_at: '' },
            { step: 'executeTask', status: 'running', started_at: '' },
          ],
        }),
      },
      { traceId: 'a'.repeat(32) },
    ),
    `**running: executeTask** on worker host-a\n\ndone: acquireLease\n\ntrace \`${'a'.repeat(32)}\`: \`mlx-jobs trace orders-1\``,
  );
  // With the worker's trace link (MLX_TRACE_URL_TEMPLATE), the id is that link.
  assert.match(
    renderDetails(
      spec,
      { progress: progress({ state: 'completed' }) },
      { traceId: 'b'.repeat(32), url: `http://grafana/explore?trace=${'b'.repeat(32)}` },
    ),
    /\n\ntrace \[b{32}\]\(http:\/\/grafana\/explore\?trace=b{32}\): `mlx-jobs trace orders-1`$/,
  );
  const parked = renderDetails(spec, {
    progress: progress({ state: 'dead_letter' }),
    deadLetter: {
      kind: 'job',
      failure: { type: 'PlatformBanned', message: 'account is suspended', step: 'executeTask' },
      parked_at: '2026-01-01T00:00:00.000Z',
      expires_at: '2026-01-08T00:00:00.000Z',
      retries: 0,
    },
  });
  assert.match(parked, /^\*\*dead letter: PlatformBanned at executeTask\*\*\n\naccount is suspended\n/);
  assert.match(parked, /- retry: `mlx-jobs dlq retry orders-1` \(options: `--profile P`, `--input FILE`\)/);
  assert.match(parked, /- discard: `mlx-jobs dlq discard orders-1 --reason "…"`/);
  assert.equal(renderDetails(spec, { progress: progress({ state: 'completed' }) }), '**completed**');
});

test('a job that waits for a person: the progress printer says so once per question, with the command', () => {
  const lines: string[] = [];
  const print = createProgressPrinter((line) => lines.push(line));
  const question = {
    question_id: 'q1',
    kind: 'otp',
    prompt: 'Code sent to the phone',
    secret: true,
    since: '2026-12-08T03:00:00.000Z',
    until: '2026-12-08T03:15:00.000Z',
    worker_id: 'w-1',
  };
  const status = (asking?: typeof question) =>
    ({
      job_id: 'orders-1',
      pending: [],
      progress: { job_id: 'orders-1', state: 'running', steps: [], ...(asking && { question: asking }) },
    }) as unknown as JobStatus;
  print(status());
  print(status(question));
  print(status(question));
  print(status({ ...question, question_id: 'q2' }));
  assert.deepEqual(lines, [
    'waiting for a person (otp, question q1, until 2026-12-08T03:15:00.000Z): Code sent to the phone; answer it with: mlx-jobs answer orders-1',
    'waiting for a person (otp, question q2, until 2026-12-08T03:15:00.000Z): Code sent to the phone; answer it with: mlx-jobs answer orders-1',
  ]);
});
