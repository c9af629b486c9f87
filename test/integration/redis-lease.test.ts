import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runCli } from '../../src/cli/run-cli';
import { createRedisLeaseStore, type LeaseStore } from '../../src/lease';
import { checkLeaseContract } from '../helpers/lease-contract';
import { redisForTest, type TestRedis } from '../helpers/redis';

let redis: TestRedis;
const stores: LeaseStore[] = [];
before(async () => {
  redis = await redisForTest();
});
after(async () => {
  for (const store of stores) await store.close();
  await redis?.stop();
});
const store = () => {
  const created = createRedisLeaseStore(redis.url, redis.prefix);
  stores.push(created);
  return created;
};

test('the Redis store keeps the lease contract', async () => {
  await checkLeaseContract(store(), 'p1');
});

test('workers racing for one profile through separate connections: exactly one wins', async () => {
  const workers = Array.from({ length: 8 }, () => store());
  const grants = await Promise.all(
    workers.map((s, i) => s.acquire('contended', { worker_id: `w${i}`, job_id: `j${i}` }, 5_000)),
  );
  const winners = grants.filter((g) => g !== undefined);
  assert.equal(winners.length, 1);
  assert.deepEqual(
    (await workers[0]!.list()).map((l) => [l.profile_id, l.job_id]),
    [['contended', winners[0]!.job_id]],
  );
});

test('mlx-jobs leases lists who holds what', async () => {
  await store().acquire('shop-42-profile', { worker_id: 'host-a', job_id: 'orders-42' }, 60_000);
  Object.assign(process.env, { MLX_REDIS_URL: redis.url, MLX_REDIS_PREFIX: redis.prefix });
  const out: string[] = [];
  assert.equal(await runCli(['leases'], (line) => out.push(line)), 0);
  assert.ok(
    out.some((line) =>
      /^shop-42-profile {2}job orders-42 {2}worker host-a {2}token \d+ {2}(59|60) s left$/.test(line),
    ),
    out.join('\n'),
  );
});
