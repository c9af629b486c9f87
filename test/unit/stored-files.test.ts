import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  createEncryptionCodec,
  createFsBlobStore,
  createKeyRing,
  fetchFile,
  keepFile,
} from '../../src/payload-codec';

const dir = mkdtempSync(join(tmpdir(), 'mlx-stored-files-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const store = createFsBlobStore(dir);
const codecs = [createEncryptionCodec(createKeyRing([{ id: 'k1', key: Buffer.alloc(32, 9) }]))];
const png = Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'binary'), Buffer.alloc(2_000, 0x42)]);

test('a kept file is sealed in the store, owned by its run, and opened again only with the keys', async () => {
  const file = await keepFile({ store, codecs }, 'job-1-attempt1.png', png, 'mlx-job-job-1');
  assert.deepEqual(
    { name: file.name, store: file.store, size: file.size },
    {
      name: 'job-1-attempt1.png',
      store: 'fs',
      size: png.length,
    },
  );
  const sealed = readFileSync(join(dir, 'objects', file.key));
  assert.equal(sealed.indexOf(png.subarray(0, 32)), -1, 'encrypted at rest');
  assert.deepEqual(await store.owners(), ['mlx-job-job-1'], 'swept with its run');
  assert.deepEqual(await fetchFile({ store, codecs }, file), png);
  await assert.rejects(
    fetchFile({ store, codecs: [] }, file),
    /encrypted with a payload key this process does not hold/,
  );
  await assert.rejects(
    fetchFile({ store, codecs }, { ...file, store: 'redis' }),
    /kept in the redis claim-check store/,
  );
  writeFileSync(join(dir, 'objects', file.key), Buffer.concat([sealed, Buffer.from('x')]));
  await assert.rejects(fetchFile({ store, codecs }, file), /was altered/);
  await assert.rejects(
    fetchFile({ store, codecs }, { ...file, key: 'f'.repeat(64) }),
    /is not in the claim-check store \(fs/,
  );
});
