import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchOf, formatOfFile, readRecords, validateBatch } from '../../src/client-library';
import { createProgressDisplay, progressLine } from '../../src/cli/progress';

const spec = (jobId: string, extra: Record<string, unknown> = {}) => ({
  job_id: jobId,
  profile_id: `p-${jobId}`,
  folder_id: 'f',
  platform: 'shopee_my',
  client_id: '42',
  task: { name: 'sync_orders', input: {} },
  ...extra,
});

test('JSON Lines: one record a line, blank lines skipped, a line that is not JSON named', () => {
  const text = `${JSON.stringify(spec('a'))}\n\n{oops\r\n${JSON.stringify(spec('b'))}\n`;
  const read = readRecords(text, 'jsonl');
  assert.deepEqual(
    read.records.map((r) => [r.line, (r.value as { job_id: string }).job_id]),
    [
      [1, 'a'],
      [4, 'b'],
    ],
  );
  assert.equal(read.problems.length, 1);
  assert.equal(read.problems[0]?.line, 3);
  assert.match(read.problems[0].message, /^not valid JSON/);
});

test('CSV: each column sets its field path on the template, typed columns convert, empty cells keep the template', () => {
  const template = spec('t', {
    headless: true,
    task: { name: 'sync_orders', input: { from: '2026-11-20' } },
  });
  const csv = [
    'job_id,profile_id,task.input.account,task.input.from,headless:boolean,deadline_ms:number,policies:json',
    'rerun-1,p-1,shop-1,,false,60000,',
    'rerun-2,p-2,"shop, two",2026-11-21,,,"{""executeTask"":{""retry"":{""maximum_attempts"":1}}}"',
    'rerun-3,p-3,shop-3,,maybe,soon,{',
    'rerun-4,p-4',
  ].join('\n');
  const read = readRecords(csv, 'csv', template);
  assert.deepEqual(
    read.records.map((r) => r.line),
    [2, 3],
  );
  const [one, two] = read.records.map((r) => r.value as ReturnType<typeof spec> & Record<string, unknown>);
  assert.deepEqual(one?.task, { name: 'sync_orders', input: { from: '2026-11-20', account: 'shop-1' } });
  assert.equal(one?.headless, false);
  assert.equal(one?.deadline_ms, 60000);
  assert.deepEqual(two?.task.input, { from: '2026-11-21', account: 'shop, two' });
  assert.equal(two?.headless, true, "an empty cell keeps the template's value");
  assert.deepEqual(two?.policies, { executeTask: { retry: { maximum_attempts: 1 } } });
  assert.deepEqual(
    read.problems.map((p) => `${p.line}: ${p.message}`),
    [
      '4: column headless:boolean: "maybe" is not true or false',
      '4: column deadline_ms:number: "soon" is not a number',
      '4: column policies:json: "{" is not valid JSON',
      '5: has 2 cells, the header 7',
    ],
  );
  assert.equal(
    (template.task.input as Record<string, unknown>).account,
    undefined,
    'the template is not changed',
  );
});

test('CSV: a bad header is refused before any row is read', () => {
  const read = readRecords('job_id,task..input,__proto__.x,a:date\nx,y,z,w\n', 'csv', {});
  assert.deepEqual(read.records, []);
  assert.equal(read.problems.length, 3);
  assert.ok(read.problems.every((p) => p.line === 1));
  assert.match(read.problems[2]!.message, /column "a:date": the type after ":" must be one of/);
  assert.match(
    readRecords('a\n1\n', 'csv', []).problems[0]!.message,
    /template of a CSV file must be a JSON object/,
  );
});

test('validating a batch names every bad line and field, and a job_id given twice', () => {
  const batch = batchOf([spec('a'), spec('b b'), { ...spec('c'), platform: 'Shopee' }, spec('a'), spec('d')]);
  const { specs, invalid } = validateBatch(batch);
  assert.deepEqual(
    specs.map((s) => `${s.line}:${s.spec.job_id}`),
    ['1:a', '5:d'],
  );
  const text = invalid.map((p) => `line ${p.line}: ${p.message}`).join('\n');
  assert.match(text, /^line 2: job_id: /m);
  assert.match(text, /^line 3: platform: /m);
  assert.match(text, /^line 4: job_id: "a" is already in this batch on line 1$/m);
  const bounded = validateBatch(
    batchOf([spec('e', { policies: { executeTask: { retry: { maximum_attempts: 50 } } } })]),
  );
  assert.match(
    bounded.invalid[0]!.message,
    /maximum_attempts/,
    'the configured policy bounds apply, as in startJob',
  );
});

test('the file name tells the format', () => {
  assert.equal(formatOfFile('shops.CSV', 'jsonl'), 'csv');
  assert.equal(formatOfFile('jobs.ndjson', 'json'), 'jsonl');
  assert.equal(formatOfFile('schedule.json', 'json'), 'json');
});

test('progress: a bar redrawn on a terminal; elsewhere plain lines now and then and the last one', () => {
  assert.equal(
    progressLine(5, 10, { started: 4, existed: 1 }),
    `[${'█'.repeat(12)}${'░'.repeat(12)}] 5/10 started 4 · existed 1`,
  );
  const written: string[] = [];
  const lines: string[] = [];
  const tty = createProgressDisplay({ tty: true, write: (t) => written.push(t), out: (l) => lines.push(l) });
  tty.update('a');
  tty.print('note');
  tty.update('b');
  tty.done();
  assert.deepEqual(lines, ['note', 'b']);
  assert.deepEqual(written, ['\r\x1b[2K', 'a', '\r\x1b[2K', 'a', '\r\x1b[2K', 'b', '\r\x1b[2K']);

  let now = 0;
  const plainLines: string[] = [];
  const plain = createProgressDisplay({
    tty: false,
    write: () => assert.fail('no raw writes'),
    out: (l) => plainLines.push(l),
    now: () => now,
  });
  plain.update('1');
  plain.update('2');
  now = 2500;
  plain.update('3');
  plain.update('4');
  plain.done();
  assert.deepEqual(plainLines, ['1', '3', '4']);
});
