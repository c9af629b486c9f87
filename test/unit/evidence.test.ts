import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { captureEvidence, fileNamePart, pruneArtifacts } from '../../src/activities/evidence';
import { startTraceRecording } from '../../src/activities/trace-recording';
import { createLogger } from '../../src/telemetry';

test('a name built from ids is one file name in its directory, whatever the ids hold', () => {
  assert.equal(fileNamePart('orders-2026:11:23T00:00:00Z-attempt1'), 'orders-2026:11:23T00:00:00Z-attempt1');
  for (const name of ['../../x-attempt1', '/etc/passwd', '..', '.hidden', 'a\0b', 'a\\..\\b', '']) {
    const part = fileNamePart(name);
    assert.doesNotMatch(part, /[/\\\0]/, name);
    assert.ok(!part.startsWith('.'), `${name}: ${part}`);
    assert.ok(part.length > 0);
  }
  assert.equal(fileNamePart('../../x'), '_._.._x');
});

test('screenshots and traces past their retention are pruned, newer ones and other files kept', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mlx-evidence-'));
  try {
    const old = new Date(Date.now() - 2 * 3600_000);
    for (const name of ['old.png', 'old.zip', 'new.png', 'new.zip', 'old.txt']) {
      writeFileSync(join(dir, name), 'x');
    }
    for (const name of ['old.png', 'old.zip', 'old.txt']) utimesSync(join(dir, name), old, old);
    assert.equal(await pruneArtifacts(dir, 3600_000), 2);
    assert.deepEqual(readdirSync(dir).sort(), ['new.png', 'new.zip', 'old.txt']);
    assert.equal(await pruneArtifacts(join(dir, 'missing'), 1), 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A context whose tracing writes `bytes` bytes with the process's umask, as Playwright does. */
function tracingContext(bytes: number): BrowserContext {
  const tracing = {
    start: () => Promise.resolve(),
    stop: (options?: { path?: string }) => {
      if (options?.path) writeFileSync(options.path, Buffer.alloc(bytes), { mode: 0o644 });
      return Promise.resolve();
    },
  };
  return { tracing } as unknown as BrowserContext;
}

const page = {
  url: () => 'https://seller.example/orders?token=abc',
  title: () => Promise.resolve('Orders'),
  screenshot: () => Promise.resolve(Buffer.from('png')),
} as unknown as Page;

test("a failed attempt's trace is kept beside its screenshot, 0600, and dropped with a log line over its cap", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mlx-evidence-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const lines: string[] = [];
  const log = createLogger({ write: (line) => lines.push(line) });

  const small = (await startTraceRecording(tracingContext(2_000), log, 'actions'))!;
  const kept = await captureEvidence(page, dir, 'job-1-attempt1', {
    recording: small,
    maxBytes: 10_000,
    log,
  });
  assert.deepEqual(kept, {
    screenshot: join(dir, 'job-1-attempt1.png'),
    trace: join(dir, 'job-1-attempt1.zip'),
    url: 'https://seller.example/orders',
    title: 'Orders',
  });
  assert.equal(statSync(kept.trace).mode & 0o777, 0o600);
  assert.equal(statSync(kept.trace).size, 2_000);

  const large = (await startTraceRecording(tracingContext(20_000), log, 'full'))!;
  const dropped = await captureEvidence(page, dir, 'job-1-attempt2', {
    recording: large,
    maxBytes: 10_000,
    log,
  });
  assert.equal(dropped.trace, undefined);
  assert.equal(dropped.screenshot, join(dir, 'job-1-attempt2.png'));
  // Nothing else in the directory: no trace over the cap, no staging directory left behind.
  assert.deepEqual(readdirSync(dir).sort(), [
    'job-1-attempt1.png',
    'job-1-attempt1.zip',
    'job-1-attempt2.png',
  ]);
  const warning = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.level === 'warn');
  assert.match(String(warning?.msg), /dropped the Playwright trace .* over MLX_TRACE_MAX_BYTES/);
  assert.deepEqual([warning?.bytes, warning?.max_bytes], [20_000, 10_000]);
});
