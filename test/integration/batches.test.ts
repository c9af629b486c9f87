import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { batchOf, describeJobRun, submitBatch, waitForJob } from '../../src/client-library';
import { startHarness, type Harness } from '../helpers/harness';
import { runCliHere } from '../helpers/cli';
import { runCli } from '../helpers/spawn';
import { bannedAccounts } from '../helpers/test-tasks';

// `submit --batch` as a user runs it (bin/mlx-jobs), against the dev server and the harness worker
// (real Chromium).
let h: Harness;
let env: NodeJS.ProcessEnv;

before(async () => {
  h = await startHarness();
  env = h.cliEnv;
});
after(async () => {
  await h?.close();
});

const spec = (jobId: string, task: { name: string; input: Record<string, unknown> }, extra = {}) => ({
  job_id: jobId,
  ...h.jobFields(jobId),
  task,
  ...extra,
});
const title = (t: string) => ({ name: 'read_title', input: { title: t } });

function file(name: string, lines: (object | string)[]): string {
  const path = join(h.dataDir, name);
  writeFileSync(path, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  return path;
}

const mixed = () =>
  file('mixed.jsonl', [
    spec('mixed-ok-1', title('one')),
    '{"job_id": "mixed-broken",',
    spec('mixed-fails', { name: 'always_fails', input: {} }),
    spec('mixed-bad-platform', title('x'), { platform: 'Shopee MY' }),
    spec('mixed-ok-2', title('two')),
    spec('mixed-ok-1', title('again')),
  ]);

test('a batch with bad lines names every bad line and field and starts nothing', async () => {
  const run = await runCliHere(['submit', '--batch', mixed()], env);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /^line 2: not valid JSON/m);
  assert.match(run.stderr, /^line 4: platform: /m);
  assert.match(run.stderr, /^line 6: job_id: "mixed-ok-1" is already in this batch on line 1$/m);
  assert.match(run.stderr, /3 bad line\(s\): nothing was started/);
  for (const id of ['mixed-ok-1', 'mixed-fails', 'mixed-ok-2']) {
    assert.equal((await describeJobRun(h.client, id)).state, 'missing', `${id} was not started`);
  }
});

test('--skip-invalid starts exactly the good lines; --wait follows them; a failure sets the exit code', async () => {
  const run = await runCli(['submit', '--batch', mixed(), '--skip-invalid', '--wait'], env);
  assert.equal(run.code, 1, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stderr, /3 bad line\(s\): these lines were skipped/);
  assert.match(run.stdout, /^3 jobs: 3 started, 0 already existed$/m);
  assert.match(run.stdout, /^failed {2}mixed-fails \(line 3: FAILED\)/m);
  assert.match(run.stdout, /^3 jobs: 0 running, 2 completed, 1 failed, 0 parked$/m);
  // The progress line goes to stderr, never into the answer.
  assert.match(run.stderr, /^\[█+\] 3\/3 /m);
  assert.doesNotMatch(run.stdout, /\[[█░]+\]/);
  assert.deepEqual((await waitForJob(h.client, 'mixed-ok-2')).output, { title: 'two' });
  for (const id of ['mixed-ok-1', 'mixed-ok-2'])
    assert.equal((await describeJobRun(h.client, id)).state, 'completed');
  assert.equal((await describeJobRun(h.client, 'mixed-fails')).state, 'failed');
  assert.equal((await describeJobRun(h.client, 'mixed-bad-platform')).state, 'missing');
});

test('CSV rows on a template; submitting the same file again starts nothing and says which existed', async () => {
  const template = join(h.dataDir, 'template.json');
  writeFileSync(template, JSON.stringify(spec('placeholder', title('from the template'))));
  const csv = join(h.dataDir, 'rerun.csv');
  writeFileSync(
    csv,
    'job_id,profile_id,task.input.title\ncsv-1,profile-csv-1,shop one\ncsv-2,profile-csv-2,\n',
  );
  const first = await runCliHere(['submit', '--batch', csv, '--template', template, '--wait', '--json'], env);
  assert.equal(first.code, 0, first.stderr);
  const submitted = JSON.parse(first.stdout) as {
    jobs: { job_id: string; run_id: string; created: boolean; outcome: { state: string } }[];
    tally: { completed: number };
  };
  assert.deepEqual(
    submitted.jobs.map((j) => [j.job_id, j.created, j.outcome.state]),
    [
      ['csv-1', true, 'completed'],
      ['csv-2', true, 'completed'],
    ],
  );
  const outputs = await Promise.all(
    ['csv-1', 'csv-2'].map(async (id) => (await waitForJob(h.client, id)).output),
  );
  assert.deepEqual(outputs, [{ title: 'shop one' }, { title: 'from the template' }]);

  const again = await runCliHere(['submit', '--batch', csv, '--template', template], env);
  assert.equal(again.code, 0, again.stderr);
  for (const job of submitted.jobs) {
    assert.match(
      again.stdout,
      new RegExp(`^exists {2}${job.job_id} \\(line \\d: run ${job.run_id}\\): nothing new was started$`, 'm'),
    );
  }
  assert.match(again.stdout, /^2 jobs: 0 started, 2 already existed$/m);
  const runs: string[] = [];
  for await (const run of h.client.workflow.list({ query: `WorkflowId = "mlx-job-csv-1"` }))
    runs.push(run.runId);
  assert.deepEqual(runs, [submitted.jobs[0]!.run_id]);
});

test('a parked job counts as parked and sets the exit code', async () => {
  bannedAccounts.add('batch-banned');
  const path = file('parked.jsonl', [
    spec('batch-parked', { name: 'banned_while_flagged', input: { account: 'batch-banned' } }),
  ]);
  const run = await runCliHere(['submit', '--batch', path, '--wait'], {
    ...env,
    MLX_DEAD_LETTER_RETENTION_MS: '600000',
  });
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stdout, /^parked {2}batch-parked \(line 1: RUNNING PlatformBanned\)/m);
  assert.match(run.stdout, /^1 jobs: 0 running, 0 completed, 0 failed, 1 parked$/m);
});

test('the library: submitBatch with bounded concurrency reports each job and the progress', async () => {
  const progress: number[] = [];
  const specs = Array.from({ length: 5 }, (_, i) => spec(`lib-${i}`, title(`lib ${i}`)));
  const options = {
    ...h.startOptions,
    concurrency: 2,
    onProgress: (p: { created: number; existed: number }) => progress.push(p.created + p.existed),
  };
  const result = await submitBatch(h.client, batchOf(specs), options);
  assert.deepEqual(
    result.jobs.map((j) => [j.line, j.job_id, j.created]),
    specs.map((s, i) => [i + 1, s.job_id, true]),
  );
  assert.deepEqual(progress, [1, 2, 3, 4, 5]);
  const again = await submitBatch(h.client, batchOf(specs), options);
  assert.ok(again.jobs.every((j, i) => !j.created && j.run_id === result.jobs[i]!.run_id));
  await Promise.all(specs.map((s) => waitForJob(h.client, s.job_id)));
});
