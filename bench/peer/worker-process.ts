/**
 * The BullMQ peer as its own process, for scenario 4: a local launcher of its own (as the production
 * worker embeds one), the lease in Redis, and a BullMQ Worker running the seven steps. Prints
 * `peer ready` on stdout once it takes jobs; SIGTERM closes the worker (jobs in flight finish) and the
 * launcher (its browsers stop).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { startLocalLauncher } from '../../src/launcher';
import { createRedisLeaseStore } from '../../src/lease';
import { createLauncherClient } from '../../src/mlx';
import { createCredentialStore, parseSecrets } from '../../src/secrets';
import { directSteps } from '../direct/seven-steps';
import { startPeerWorker } from './queue';
import { withLeaseRenewal } from './renewal';

const Env = z.object({
  PEER_REDIS_URL: z.url({ protocol: /^redis$/ }),
  /** The launcher's profiles (and their browsers' user-data dirs) live here. */
  PEER_DATA_DIR: z.string().min(1),
  /** Credentials in the worker's secrets-file format (MLX_TASK_SECRETS_FILE). */
  PEER_SECRETS_FILE: z.string().min(1),
  /** The seller centre the job's `shop` credential may be typed into. */
  PEER_SELLER_CENTRE_URL: z.url(),
  PEER_WEBHOOK_URL: z.url(),
  PEER_WEBHOOK_SECRET: z.string().min(16),
  PEER_CONCURRENCY: z.coerce.number().int().positive(),
  /** The production worker's default (MLX_LEASE_TTL_MS). */
  PEER_LEASE_TTL_MS: z.coerce.number().int().positive().default(60_000),
});

async function main(): Promise<void> {
  const parsed = Env.safeParse(process.env);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`bad peer settings: ${fields.join('; ')}`);
  }
  const env = parsed.data;
  const launcher = await startLocalLauncher({
    dataDir: env.PEER_DATA_DIR,
    maxProfiles: env.PEER_CONCURRENCY,
  });
  const leases = createRedisLeaseStore(env.PEER_REDIS_URL, 'bench-peer');
  const secrets = createCredentialStore(
    parseSecrets(readFileSync(env.PEER_SECRETS_FILE, 'utf8'), env.PEER_SECRETS_FILE),
  ).forJob([{ account: 'shop', url: env.PEER_SELLER_CENTRE_URL }], 'client-42');
  const direct = directSteps({
    leases,
    leaseTtlMs: env.PEER_LEASE_TTL_MS,
    launcher: createLauncherClient({ baseUrl: launcher.url }),
    secrets,
    webhookUrl: env.PEER_WEBHOOK_URL,
    webhookSecret: env.PEER_WEBHOOK_SECRET,
    as: 'bullmq',
  });
  const steps = withLeaseRenewal(direct, leases, env.PEER_LEASE_TTL_MS);
  const worker = await startPeerWorker({
    redisUrl: env.PEER_REDIS_URL,
    steps,
    concurrency: env.PEER_CONCURRENCY,
  });
  process.once('SIGTERM', () => {
    void (async () => {
      await worker.close();
      await launcher.close();
      await leases.close();
      process.exit(0);
    })();
  });
  process.stdout.write('peer ready\n');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
