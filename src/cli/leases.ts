import { connectClient, listProfileQueues } from '../client-library';
import type { ClientConfig } from '../config';
import { createRedisLeaseStore, type Lease } from '../lease';

export const LEASES_HELP = `Usage: mlx-jobs leases [--json]

Who holds which profile and who waits for it: for every profile with a job on it, the job whose turn it
is and the jobs queued behind it, in submission order (from the profiles' queues in Temporal), and, with
MLX_REDIS_URL set, the lease each holder has in the fleet's Redis store (worker, fencing token, time
left). A single worker without Redis keeps its leases in its own memory: only the queues are shown.
When Temporal does not answer, the Redis leases are still listed.`;

interface LeasesContext {
  config: ClientConfig;
  out: (line: string) => void;
  json: boolean;
}

/** `mlx-jobs leases`. */
export async function runLeases({ config, out, json }: LeasesContext): Promise<number> {
  const store = config.redis && createRedisLeaseStore(config.redis.url, config.redis.prefix);
  // Without Temporal the lease store is still listed; the queues (who waits) need Temporal.
  let client: Awaited<ReturnType<typeof connectClient>> | undefined;
  try {
    const leases: Lease[] = store ? await store.list() : [];
    const listedAt = Date.now();
    client = await connectClient(config).catch(() => undefined);
    const queues = client ? await listProfileQueues(client) : [];
    if (json) {
      out(JSON.stringify({ queues, leases }));
      return 0;
    }
    const profiles = [
      ...new Set([...queues.map((q) => q.profile_id), ...leases.map((l) => l.profile_id)]),
    ].sort();
    if (profiles.length === 0) out('no profile is held or waited for');
    for (const profile of profiles) {
      const queue = queues.find((q) => q.profile_id === profile);
      const lease = leases.find((l) => l.profile_id === profile);
      const holder = queue?.holder?.job_id ?? lease?.job_id ?? '-';
      const leased = lease
        ? `  worker ${lease.worker_id}  token ${lease.token}  ${Math.max(0, Math.round((lease.expires_at - listedAt) / 1000))} s left`
        : '';
      out(`${profile}  job ${holder}${leased}`);
      queue?.waiting.forEach((waiter, i) => out(`  ${i + 1}. waiting: job ${waiter.job_id}`));
    }
    if (!store) out('(set MLX_REDIS_URL to also show the fleet lease store)');
    if (!client) out('(Temporal did not answer at TEMPORAL_ADDRESS: the jobs waiting are not shown)');
    return 0;
  } finally {
    await store?.close();
    await client?.connection.close();
  }
}
