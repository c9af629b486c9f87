import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFileTimes, longestFirst, saveFileTimes } from '../suite/file-times';
import { spawnSync } from 'node:child_process';
import { ownCpuSeconds, processCpuSeconds } from '../suite/cpu';
import { fileResult, summary } from '../suite/summary';

const tap = (pass: number, fail: number, skipped = 0, cancelled = 0) =>
  `TAP version 13\nok 1 - a\n# tests ${pass + fail}\n# pass ${pass}\n# fail ${fail}\n# cancelled ${cancelled}\n# skipped ${skipped}\n# todo 0\n`;

test("a file's counts come from its TAP report; cancelled tests count as failed", () => {
  assert.deepEqual(fileResult('a.test.ts', 1200, tap(3, 1, 2, 1), { code: 1, timedOut: false }), {
    file: 'a.test.ts',
    ms: 1200,
    passed: 3,
    failed: 2,
    skipped: 2,
    problem: 'exited 1',
  });
  assert.deepEqual(fileResult('b.test.ts', 5, tap(4, 0), { code: 0, timedOut: false }), {
    file: 'b.test.ts',
    ms: 5,
    passed: 4,
    failed: 0,
    skipped: 0,
  });
});

test('a file that exits non-zero or times out with no failed test counts as one failure', () => {
  const crashed = fileResult('c.test.ts', 10, '', { code: 1, timedOut: false });
  assert.equal(crashed.failed, 1);
  assert.equal(crashed.problem, 'exited 1');
  const hung = fileResult('d.test.ts', 10, tap(2, 0), { code: null, timedOut: true });
  assert.deepEqual([hung.passed, hung.failed, hung.problem], [2, 1, 'timed out']);
});

test('the summary lists the ten slowest files, slowest first, the failed ones, and the totals', () => {
  const results = Array.from({ length: 12 }, (_, i) =>
    fileResult(`f${i}.test.ts`, (i + 1) * 1000, tap(1, 0), { code: 0, timedOut: false }),
  );
  results.push(fileResult('bad.test.ts', 500, tap(1, 2), { code: 1, timedOut: false }));
  const lines = summary(results, 65_000).split('\n');
  const slowest = lines.slice(
    lines.indexOf('slowest test files:') + 1,
    lines.indexOf('slowest test files:') + 11,
  );
  assert.deepEqual(
    slowest.map((line) => line.trim().split(/\s+/)[0]),
    [
      'f11.test.ts',
      'f10.test.ts',
      'f9.test.ts',
      'f8.test.ts',
      'f7.test.ts',
      'f6.test.ts',
      'f5.test.ts',
      'f4.test.ts',
      'f3.test.ts',
      'f2.test.ts',
    ],
  );
  assert.match(slowest[0]!, /12\.0 s$/);
  assert.ok(lines.includes('  bad.test.ts: 2 failed (exited 1)'), lines.join('\n'));
  assert.equal(lines.at(-2), '13 files in 65.0 s');
  assert.equal(lines.at(-1), '13 passed, 2 failed, 0 skipped');
});

test("the run's CPU-seconds, and the dev server's share, stand beside its wall time", () => {
  const results = [fileResult('a.test.ts', 1000, tap(2, 0), { code: 0, timedOut: false })];
  assert.equal(
    summary(results, 3_000, { total: 1234.4, temporal: 301.6 }).split('\n').at(-2),
    "1 files in 3.0 s, 1234 CPU-seconds, 302 of them the Temporal dev server's",
  );
  assert.equal(summary(results, 3_000, { total: 9 }).split('\n').at(-2), '1 files in 3.0 s, 9 CPU-seconds');
  assert.equal(summary(results, 3_000, {}).split('\n').at(-2), '1 files in 3.0 s');
});

test('CPU time is read from /proc: a child that burned CPU and was waited for counts in our own', (t) => {
  if (process.platform !== 'linux') return t.skip('/proc is Linux only');
  const before = ownCpuSeconds()!;
  // A child that spins for about half a second of CPU, then exits; spawnSync waits for it.
  spawnSync(process.execPath, [
    '-e',
    'const end = process.cpuUsage().user + 500_000; while (process.cpuUsage().user < end);',
  ]);
  const after = ownCpuSeconds()!;
  assert.ok(after - before >= 0.4, `${before} -> ${after}`);
  assert.equal(processCpuSeconds(2 ** 30), undefined, 'no such process');
});

test('files start longest first by the last run here; the known long ones lead on a new machine', () => {
  const files = [
    'test/integration/a.test.ts',
    'test/integration/b.test.ts',
    'test/integration/burst.test.ts',
  ];
  assert.deepEqual(longestFirst(files, {}, ['burst']), [files[2], files[0], files[1]]);
  assert.deepEqual(
    longestFirst(files, { [files[0]!]: 5_000, [files[1]!]: 90_000, [files[2]!]: 30_000 }, ['burst']),
    [files[1], files[2], files[0]],
  );
  // A file new since the last run counts as a minute.
  assert.deepEqual(longestFirst(files, { [files[0]!]: 120_000, [files[2]!]: 1_000 }, []), [
    files[0],
    files[1],
    files[2],
  ]);
});

test('the times of a run are kept beside the earlier ones; an unreadable file is no times at all', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mlx-file-times-'));
  try {
    const path = join(dir, 'times.json');
    assert.deepEqual(loadFileTimes(path), {});
    saveFileTimes({ a: 1, b: 2 }, path);
    saveFileTimes({ b: 3 }, path);
    assert.deepEqual(loadFileTimes(path), { a: 1, b: 3 });
    writeFileSync(path, '{"a": "soon"}');
    assert.deepEqual(loadFileTimes(path), {});
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
