import Redis from 'ioredis';
import type { Lease, LeaseOwner, LeaseStore } from './lease-store';

// Each script reads and writes one lease atomically. A lease is JSON under <prefix>:lease:<profile> with a
// PX expiry; the fencing token comes from one counter, so it only ever grows (even across a data loss,
// see ACQUIRE). The job holding a lease may
// take it over on another worker (host failover): that is a new grant, with a new token, so the old host
// can no longer renew or release it.
const ACQUIRE = `
local current = redis.call('GET', KEYS[1])
local expires = tonumber(ARGV[4]) + tonumber(ARGV[3])
if current then
  local lease = cjson.decode(current)
  if lease.job_id ~= ARGV[2] then return nil end
  if lease.worker_id == ARGV[1] then
    lease.expires_at = expires
    local value = cjson.encode(lease)
    redis.call('SET', KEYS[1], value, 'PX', ARGV[3])
    return value
  end
end
local token
if redis.call('EXISTS', KEYS[2]) == 0 then
  -- No counter: a new store, or one that lost its data (FLUSHALL, a restart without persistence). Start
  -- from Redis's clock in ms, above every token granted before (fewer than one grant per ms), so a holder
  -- from before the loss can never renew or release a new grant that happens to get its old token.
  local now = redis.call('TIME')
  token = redis.call('INCRBY', KEYS[2], tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000))
else
  token = redis.call('INCR', KEYS[2])
end
local value = cjson.encode({ worker_id = ARGV[1], job_id = ARGV[2], profile_id = ARGV[5], token = token, expires_at = expires })
redis.call('SET', KEYS[1], value, 'PX', ARGV[3])
return value`;

const EXTEND = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local lease = cjson.decode(current)
if lease.token ~= tonumber(ARGV[1]) then return 0 end
lease.expires_at = tonumber(ARGV[3]) + tonumber(ARGV[2])
redis.call('SET', KEYS[1], cjson.encode(lease), 'PX', ARGV[2])
return 1`;

// The counter exists: a lease under fromToken was granted from it (a lost counter means a lost lease too).
const HAND_OVER = `
local current = redis.call('GET', KEYS[1])
if not current then return nil end
if cjson.decode(current).token ~= tonumber(ARGV[6]) then return nil end
local token = redis.call('INCR', KEYS[2])
local expires = tonumber(ARGV[4]) + tonumber(ARGV[3])
local value = cjson.encode({ worker_id = ARGV[1], job_id = ARGV[2], profile_id = ARGV[5], token = token, expires_at = expires })
redis.call('SET', KEYS[1], value, 'PX', ARGV[3])
return value`;

const RELEASE = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
if cjson.decode(current).token ~= tonumber(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1])
return 1`;

/** The fleet store: one Redis shared by every worker (SET NX-like grant, owner-checked extend and release). */
export function createRedisLeaseStore(url: string, prefix = 'mlx'): LeaseStore {
  const redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 3 });
  const key = (profileId: string) => `${prefix}:lease:${profileId}`;
  const counter = `${prefix}:lease-token`;
  const parse = (value: unknown): Lease | undefined =>
    typeof value === 'string' ? (JSON.parse(value) as Lease) : undefined;
  /** ACQUIRE and HAND_OVER: the owner, TTL, clock and profile, then what the script adds. */
  const grant = async (
    script: string,
    profileId: string,
    owner: LeaseOwner,
    ttlMs: number,
    ...more: number[]
  ) =>
    parse(
      await redis.eval(
        script,
        2,
        key(profileId),
        counter,
        owner.worker_id,
        owner.job_id,
        ttlMs,
        Date.now(),
        profileId,
        ...more,
      ),
    );

  return {
    acquire: (profileId: string, owner: LeaseOwner, ttlMs: number) => grant(ACQUIRE, profileId, owner, ttlMs),
    async extend(profileId: string, token: number, ttlMs: number) {
      return (await redis.eval(EXTEND, 1, key(profileId), token, ttlMs, Date.now())) === 1;
    },
    handOver: (profileId: string, fromToken: number, owner: LeaseOwner, ttlMs: number) =>
      grant(HAND_OVER, profileId, owner, ttlMs, fromToken),
    async release(profileId: string, token: number) {
      return (await redis.eval(RELEASE, 1, key(profileId), token)) === 1;
    },
    async get(profileId: string) {
      return parse(await redis.get(key(profileId)));
    },
    async list() {
      const leases: Lease[] = [];
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:lease:*`, 'COUNT', 200);
        cursor = next;
        const values = keys.length ? await redis.mget(...keys) : [];
        for (const value of values) {
          const lease = parse(value);
          if (lease) leases.push(lease);
        }
      } while (cursor !== '0');
      return leases.sort((a, b) => a.profile_id.localeCompare(b.profile_id));
    },
    async close() {
      await redis.quit();
    },
  };
}
