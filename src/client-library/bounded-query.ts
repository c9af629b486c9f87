import type { Client } from '@temporalio/client';

/**
 * How long a query waits for a worker to answer it. A query is answered by a worker of the run's task
 * queue; with none polling (every worker stopped or draining) Temporal holds it until its own timeout,
 * about 30 s, and `mlx-jobs status` or `leases` would hang that long for each run they ask about.
 */
export const QUERY_TIMEOUT_MS = 5_000;

/** Runs a workflow query within QUERY_TIMEOUT_MS; undefined when no worker answered (or it failed). */
export function boundedQuery<T>(
  client: Pick<Client, 'withDeadline'>,
  query: () => Promise<T>,
): Promise<T | undefined> {
  return client.withDeadline(Date.now() + QUERY_TIMEOUT_MS, query).catch(() => undefined);
}
