/**
 * The production worker process (src/worker.ts) for scenarios 4, 6 and 7, which also answers SIGUSR2
 * with one stderr line `{"bench_stats":{…}}`: its memory and what keeps its event loop alive, read
 * from inside (process.getActiveResourcesInfo cannot be read from another process), after a collection.
 */
import { ConfigError } from '../src/config';
import { runWorker } from '../src/worker-process/run-worker';

process.on('SIGUSR2', () => {
  // With --expose-gc (the bench starts it so), what is left after a full collection: a leak, not garbage.
  (globalThis as { gc?: () => void }).gc?.();
  const memory = process.memoryUsage();
  const handles: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) handles[kind] = (handles[kind] ?? 0) + 1;
  process.stderr.write(
    `${JSON.stringify({ bench_stats: { rss: memory.rss, heap_used: memory.heapUsed, handles } })}\n`,
  );
});

runWorker().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? `mlx-worker: ${err.message}` : err);
  process.exit(err instanceof ConfigError ? 2 : 1);
});
