import { closedLoop } from './closed-loop';
import { peakSampler, rssBytes } from './proc';
import { summarize, type Summary } from './stats';

/** One side of scenario 4: a worker process running real jobs, the servers it needs, its browsers. */
export interface ScalingArm {
  name: string;
  /** Runs one real sync_orders job on `profileId` and resolves when it completed. */
  job(id: string, profileId: string): Promise<void>;
  workerPid: number;
  /** The servers this arm needs, by name (the Temporal dev server, Redis). */
  serverPids: Record<string, number>;
  chromium(): { count: number; rssBytes: number; pssBytes: number };
  /** Waits until what the level left behind is gone (browsers lingering for a next job that never comes). */
  settle?: () => Promise<void>;
}

export interface Level {
  arm: string;
  concurrency: number;
  jobs: number;
  failures: number;
  errors: string[];
  jobsPerMinute: number;
  latencyMs: Summary;
  peakWorkerRss: number;
  /** Per server, its peak RSS. */
  peakServerRss: Record<string, number>;
  peakChromiumRss: number;
  peakChromiumPss: number;
  peakChromiumProcesses: number;
  /** Peak of worker RSS + the servers' RSS + Chromium PSS, read together: what the arm holds. */
  peakTotal: number;
  /** peakTotal ÷ jobs at once. */
  perConcurrentJob: number;
}

/**
 * `concurrency` lanes of real jobs on one arm, one profile per lane (a lane's jobs follow each other on
 * it), for `rounds` rounds after a warm-up round, with peak memory sampled while they run.
 */
export async function measureLevel(arm: ScalingArm, concurrency: number, rounds: number): Promise<Level> {
  let sequence = 0;
  const job = async (_i: number, lane: number) => {
    const id = `${arm.name}-scale-${concurrency}-${process.pid}-${sequence++}`;
    await arm.job(id, `${arm.name}-scale-c${concurrency}-p${lane}`);
  };
  await closedLoop(concurrency, concurrency, job);
  const worker = peakSampler(() => rssBytes(arm.workerPid));
  const servers = Object.entries(arm.serverPids).map(
    ([name, pid]) => [name, peakSampler(() => rssBytes(pid))] as const,
  );
  // One walk of /proc a second serves the Chromium readings (a walk costs CPU the jobs need).
  let seen = arm.chromium();
  const walk = setInterval(() => (seen = arm.chromium()), 1000);
  const browsers = peakSampler(() => seen.rssBytes);
  const proportional = peakSampler(() => seen.pssBytes);
  const processes = peakSampler(() => seen.count);
  const total = peakSampler(
    () =>
      rssBytes(arm.workerPid) +
      Object.values(arm.serverPids).reduce((sum, pid) => sum + rssBytes(pid), 0) +
      seen.pssBytes,
  );
  const loop = await closedLoop(concurrency * rounds, concurrency, job).finally(() => clearInterval(walk));
  const peakTotal = total.stop();
  const level: Level = {
    arm: arm.name,
    concurrency,
    jobs: loop.latencies.length,
    failures: loop.failures,
    errors: loop.errors,
    jobsPerMinute: loop.rate * 60,
    latencyMs: summarize(loop.latencies),
    peakWorkerRss: worker.stop(),
    peakServerRss: Object.fromEntries(servers.map(([name, sampler]) => [name, sampler.stop()])),
    peakChromiumRss: browsers.stop(),
    peakChromiumPss: proportional.stop(),
    peakChromiumProcesses: processes.stop(),
    peakTotal,
    perConcurrentJob: peakTotal / concurrency,
  };
  await arm.settle?.();
  return level;
}
