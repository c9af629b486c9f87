/**
 * The claim-check store of a fleet: the Redis every worker already shares for leases.
 *   <prefix>:blob:<key>          the blob
 *   <prefix>:blob-refs:<key>     sorted set: owner -> when it referred to the blob
 *   <prefix>:blob-owner:<owner>  set of the keys an owner refers to
 *   <prefix>:blob-owners         set of owners
 * Dropping a reference and removing an unreferenced blob is one Lua script, so a blob is never
 * removed while a new reference to it is being written.
 */
import Redis from 'ioredis';
import { BLOB_KEY_PATTERN, type BlobStore } from './blob-store';

const PUT = `
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[3])
redis.call('SADD', KEYS[4], ARGV[1])
redis.call('SET', KEYS[1], ARGV[4])
return 1`;

const DROP = `
local made = redis.call('ZSCORE', KEYS[2], ARGV[1])
if made and tonumber(made) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('SREM', KEYS[3], ARGV[3])
if redis.call('ZCARD', KEYS[2]) == 0 then
  redis.call('DEL', KEYS[1])
  return 2
end
return 1`;

/** The connection is opened on first use and closed after a short idle time, so a CLI can exit. */
const IDLE_CLOSE_MS = 2_000;

export function createRedisBlobStore(url: string, prefix = 'mlx'): BlobStore {
  let redis: Redis | undefined;
  let idle: NodeJS.Timeout | undefined;
  const connection = () => {
    clearTimeout(idle);
    redis ??= new Redis(url, { maxRetriesPerRequest: 3 });
    const current = redis;
    idle = setTimeout(() => {
      if (redis === current) redis = undefined;
      void current.quit().catch(() => current.disconnect());
    }, IDLE_CLOSE_MS);
    idle.unref();
    return current;
  };
  const blob = (key: string) => `${prefix}:blob:${key}`;
  const refs = (key: string) => `${prefix}:blob-refs:${key}`;
  const ownerKeys = (owner: string) => `${prefix}:blob-owner:${owner}`;
  const owners = `${prefix}:blob-owners`;
  const checkKey = (key: string) => {
    if (!BLOB_KEY_PATTERN.test(key)) throw new RangeError(`not a blob key: ${key}`);
  };

  return {
    kind: 'redis',
    location: redisHost(url),
    async put(key, bytes, owner) {
      checkKey(key);
      await connection().eval(
        PUT,
        4,
        blob(key),
        refs(key),
        ownerKeys(owner),
        owners,
        owner,
        Date.now(),
        key,
        Buffer.from(bytes),
      );
    },
    async get(key) {
      checkKey(key);
      return (await connection().getBuffer(blob(key))) ?? undefined;
    },
    async owners() {
      return connection().smembers(owners);
    },
    async dropOwner(owner, before) {
      const r = connection();
      let removedBlobs = 0;
      for (const key of await r.smembers(ownerKeys(owner))) {
        if (!BLOB_KEY_PATTERN.test(key)) continue;
        const result = await r.eval(DROP, 3, blob(key), refs(key), ownerKeys(owner), owner, before, key);
        if (result === 2) removedBlobs += 1;
      }
      if ((await r.scard(ownerKeys(owner))) === 0) await r.srem(owners, owner);
      return { removedBlobs };
    },
    async close() {
      clearTimeout(idle);
      const current = redis;
      redis = undefined;
      await current?.quit().catch(() => current.disconnect());
    },
  };
}

/** The Redis a URL names, without its user or password. */
function redisHost(url: string): string {
  try {
    return new URL(url).host || 'redis';
  } catch {
    return 'redis';
  }
}
