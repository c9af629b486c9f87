import { cpuMs, cpuSince } from './proc';

/** A closed loop: `concurrency` lanes, each starting its next job as soon as its last one ended. */

export interface LoopResult {
  /** Per job, start → end, in ms (successful jobs only). */
  latencies: number[];
  wallMs: number;
  /** Jobs per second over the whole loop. */
  rate: number;
  failures: number;
  /** The first few failure messages, to tell what went wrong. */
  errors: string[];
  /** CPU time used during the loop, in ms, by each watched process. */
  cpuMs: Record<string, number>;
}

export async function closedLoop(
  total: number,
  concurrency: number,
  job: (index: number, lane: number) => Promise<void>,
  /** Processes whose CPU time to count, by name (e.g. this process and the Temporal server). */
  watch: Record<string, number> = { bench: process.pid },
): Promise<LoopResult> {
  const cpuUsed = cpuSince(
    Object.fromEntries(Object.entries(watch).map(([name, pid]) => [name, () => cpuMs(pid)])),
  );
  const latencies: number[] = [];
  const errors: string[] = [];
  let failures = 0;
  let next = 0;
  const started = performance.now();
  const lane = async (id: number) => {
    while (next < total) {
      const index = next++;
      const t0 = performance.now();
      try {
        await job(index, id);
        latencies.push(performance.now() - t0);
      } catch (err) {
        failures += 1;
        if (errors.length < 5) errors.push(err instanceof Error ? err.message : String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, (_, id) => lane(id)));
  const wallMs = performance.now() - started;
  return { latencies, wallMs, rate: (latencies.length / wallMs) * 1000, failures, errors, cpuMs: cpuUsed() };
}
