/**
 * The claim-check store of one machine: files under a directory (by default MLX_DATA_DIR/blobs).
 *   objects/<key>            the blob
 *   refs/<key>/<owner>       one file per workflow referring to it (its mtime: when)
 *   owners/<owner>/<key>     the same, by owner, so a sweep finds an owner's blobs
 * Owners are workflow ids, URL-encoded into file names.
 */
import { mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { BLOB_KEY_PATTERN, type BlobStore } from './blob-store';

export function createFsBlobStore(dir: string): BlobStore {
  const object = (key: string) => join(dir, 'objects', key);
  const refDir = (key: string) => join(dir, 'refs', key);
  const ownerDir = (owner: string) => join(dir, 'owners', encodeURIComponent(owner));
  const checkKey = (key: string) => {
    if (!BLOB_KEY_PATTERN.test(key)) throw new RangeError(`not a blob key: ${key}`);
  };
  /** (Re)writes an empty marker: its mtime says when the reference was last made. */
  const touch = (path: string) => writeFile(path, '');
  const list = (path: string) =>
    readdir(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [] as string[];
      throw err;
    });

  return {
    kind: 'fs',
    location: dir,
    async put(key, bytes, owner) {
      checkKey(key);
      // The reference first, then the object (written again, whole, by rename): a sweep that removed
      // the object a moment ago cannot leave this reference pointing at nothing.
      await mkdir(refDir(key), { recursive: true });
      await mkdir(ownerDir(owner), { recursive: true });
      await touch(join(refDir(key), encodeURIComponent(owner)));
      await touch(join(ownerDir(owner), key));
      await mkdir(join(dir, 'objects'), { recursive: true });
      const tmp = `${object(key)}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        await writeFile(tmp, bytes);
        await rename(tmp, object(key));
      } catch (err) {
        // A write cut short (a full disk) must not hold on to the space it took.
        await rm(tmp, { force: true });
        throw err;
      }
    },
    async get(key) {
      checkKey(key);
      return readFile(object(key)).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw err;
      });
    },
    async owners() {
      return (await list(join(dir, 'owners'))).map((name) => decodeURIComponent(name));
    },
    async dropOwner(owner, before) {
      let removedBlobs = 0;
      const mine = ownerDir(owner);
      for (const key of await list(mine)) {
        if (!BLOB_KEY_PATTERN.test(key)) continue;
        const ref = join(refDir(key), encodeURIComponent(owner));
        const made = await stat(ref).then(
          (s) => s.mtimeMs,
          () => 0,
        );
        if (made >= before) continue;
        await rm(ref, { force: true });
        await rm(join(mine, key), { force: true });
        if ((await list(refDir(key))).length === 0) {
          await rmdir(refDir(key)).catch(() => undefined);
          await rm(object(key), { force: true });
          removedBlobs += 1;
        }
      }
      if ((await list(mine)).length === 0) await rmdir(mine).catch(() => undefined);
      return { removedBlobs };
    },
    close: () => Promise.resolve(),
  };
}
