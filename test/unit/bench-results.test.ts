/** The naming rule of the bench's result folders (bench/lib/results.ts): no run writes over another's files. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runFolderName } from '../../bench/lib/results';

test('runFolderName: a run’s folder is its UTC minute and commit, marked when the tree was not clean', () => {
  const at = new Date('2026-12-08T02:31:45.123Z');
  assert.equal(
    runFolderName(at, { commit: '739fc93', clean: true, changes: [] }),
    '2026-12-08T0231Z-739fc93',
  );
  assert.equal(
    runFolderName(at, { commit: '739fc93', clean: false, changes: [' M bench/run.ts'] }),
    '2026-12-08T0231Z-739fc93-dirty',
  );
});
