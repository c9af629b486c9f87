import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileNamePart, pruneScreenshots } from '../../src/activities/evidence';

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

test('screenshots past their retention are pruned, newer ones and other files kept', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mlx-evidence-'));
  try {
    const old = new Date(Date.now() - 2 * 3600_000);
    for (const name of ['old.png', 'new.png', 'old.txt']) writeFileSync(join(dir, name), 'x');
    utimesSync(join(dir, 'old.png'), old, old);
    utimesSync(join(dir, 'old.txt'), old, old);
    assert.equal(await pruneScreenshots(dir, 3600_000), 1);
    assert.deepEqual(readdirSync(dir).sort(), ['new.png', 'old.txt']);
    assert.equal(await pruneScreenshots(join(dir, 'missing'), 1), 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
