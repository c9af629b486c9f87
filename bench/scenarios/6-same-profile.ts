import { createMemoryLeaseStore } from '../../src/lease';
import { DEFAULT_LINGER_MS } from '../../src/config';
import type { StepRecord } from '../../src/contract';
import { startLocalLauncher, type LocalLauncher } from '../../src/launcher';
import { createLauncherClient } from '../../src/mlx';
import { jobSecrets } from '../../test/helpers/credentials';
import { waitUntil } from '../../test/helpers/processes';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { directSteps, runDirect } from '../direct/seven-steps';
import type { Sizes } from '../lib/flags';
import { failedChecks, finishedInOrder, startsAndStops, taskGaps } from '../lib/hand-over';
import type { ScenarioResult } from '../lib/results';
import { median, summarize, type Summary } from '../lib/stats';
import { barChartSvg } from '../lib/svg';
import { ms, ratio, table } from '../lib/table';
import { startWorkerStack, type WorkerStack } from '../lib/worker-stack';

const PROFILE = 'same-profile';
const DIRECT_PROFILE = 'same-profile-direct';
/** Jobs alone on the profile whose median is one job's time. */
const SINGLE_JOBS = 3;
/** The slow arm's start: about what an MLX agent takes to download and unpack a profile. */
const SLOW_START_MS = 5_000;
/** Long enough for the reaper to stop a browser whose linger ended (it looks every 5 s). */
const LINGER_END_MS = DEFAULT_LINGER_MS + 60_000;

interface Arm {
  name: string;
  /** Each start of the profile is held this long first (the launcher's fault switch); 0: as it comes. */
  startDelayMs: number;
  targetRatio: number;
}

const ARMS: Arm[] = [
  { name: 'embedded launcher', startDelayMs: 0, targetRatio: 0.75 },
  { name: `starts slowed to ${SLOW_START_MS / 1000} s`, startDelayMs: SLOW_START_MS, targetRatio: 0.35 },
];

interface ArmResult {
  arm: string;
  startDelayMs: number;
  /** Submit → result of jobs alone on the profile, each starting it cold and stopping the one before. */
  singleJobs: number[];
  /** Jobs × the median single job. */
  sumOfSingleJobs: number;
  totalMs: number;
  ratio: number;
  targetRatio: number;
  /** The launcher's starts and stops of the profile from the first submit to the last browser's stop. */
  starts: number;
  stops: number;
  inOrder: boolean;
  /** One job's task ended → the next one's began. */
  taskGapMs: Summary;
  direct: { totalMs: number; jobs: Summary };
  /** The launcher's 1 / 1 and the submission order (failedChecks); the ratio is a target, not a check. */
  failed: string[];
  steps: StepRecord[][];
}

const noneRunning = (launcher: LocalLauncher, profileId: string) =>
  !launcher.runningProfiles().some((p) => p.profileId === profileId);

/**
 * Scenario 6: jobs submitted at once for one profile, which hands its open browser from each job to
 * the next (warm profiles), against the sum of the same jobs run alone (each starting and stopping the
 * browser) and against the direct script doing them back to back; on the local launcher as it is, then
 * with every start held 5 s by its fault switch, as a real MLX agent's start takes.
 */
export async function sameProfile(sizes: Sizes): Promise<ScenarioResult> {
  const lingerMs = DEFAULT_LINGER_MS;
  const stack = await startWorkerStack({
    maxOpenProfiles: 8,
    serverConfig: sizes.serverConfig,
    lingerMs,
    launcherWithFaults: true,
  });
  const directDir = mkdtempSync(join(tmpdir(), 'mlx-bench-direct-'));
  let directLauncher: LocalLauncher | undefined;
  try {
    // The direct script has a launcher of its own: the worker's reaper stops browsers no job of it opened.
    directLauncher = await startLocalLauncher({
      dataDir: directDir,
      faults: true,
      ...(process.env.MLX_CHROMIUM_PATH && { chromiumPath: process.env.MLX_CHROMIUM_PATH }),
    });
    const arms: ArmResult[] = [];
    for (const arm of ARMS) arms.push(await runArm(stack, directLauncher, arm, sizes.sameProfileJobs));
    return report(arms, sizes.sameProfileJobs, lingerMs);
  } finally {
    await directLauncher?.close();
    rmSync(directDir, { recursive: true, force: true });
    await stack.close();
  }
}

async function runArm(
  stack: WorkerStack,
  directLauncher: LocalLauncher,
  arm: Arm,
  jobs: number,
): Promise<ArmResult> {
  const launcher = stack.launcher!;
  const tag = arm.startDelayMs ? 'slow' : 'plain';
  const slow = { error: 'DELAY', delay_ms: arm.startDelayMs, times: 1000, on: 'start' } as const;
  if (arm.startDelayMs) {
    launcher.faults!.set(PROFILE, slow);
    directLauncher.faults!.set(DIRECT_PROFILE, slow);
  }
  try {
    const run = async (id: string, freshStart: boolean) => {
      await stack.submit(id, PROFILE, { fresh_start: freshStart });
      const result = await stack.result(id);
      if (result.status !== 'completed') throw new Error(`${id} ended ${String(result.status)}`);
      return result;
    };
    // One job alone, as every job ran before warm profiles: a fresh start (which first stops the browser
    // the job before left open) and a stop. The first is a warm-up and not counted.
    await run(`${tag}-single-warm-up`, true);
    const singleJobs: number[] = [];
    for (let i = 0; i < SINGLE_JOBS; i++) {
      const t0 = performance.now();
      await run(`${tag}-single-${i}`, true);
      singleJobs.push(performance.now() - t0);
    }

    const direct = await directBatch(stack, directLauncher, jobs, tag);

    // The batch starts with nothing open for the profile: the last single job's browser lingers out.
    await waitUntil(() => noneRunning(launcher, PROFILE), LINGER_END_MS, 'the single jobs’ browser to stop');
    const ids = Array.from({ length: jobs }, (_, i) => `${tag}-queued-${i}`);
    const since = Date.now();
    const t0 = performance.now();
    for (const id of ids) await stack.submit(id, PROFILE);
    const steps: StepRecord[][] = [];
    for (const id of ids) {
      const result = await stack.result(id);
      if (result.status !== 'completed') throw new Error(`${id} ended ${String(result.status)}`);
      steps.push(result.steps);
    }
    const totalMs = performance.now() - t0;
    // The last job's browser lingers, then the reaper stops it: that stop is the batch's one.
    await waitUntil(
      () => startsAndStops(launcher.timeline(), PROFILE, since).stops > 0 && noneRunning(launcher, PROFILE),
      LINGER_END_MS,
      'the batch’s browser to stop after its linger',
    );
    const { starts, stops } = startsAndStops(launcher.timeline(), PROFILE, since);
    const sumOfSingleJobs = median(singleJobs) * jobs;
    const ratioToSingle = totalMs / sumOfSingleJobs;
    const inOrder = finishedInOrder(steps);
    return {
      arm: arm.name,
      startDelayMs: arm.startDelayMs,
      singleJobs,
      sumOfSingleJobs,
      totalMs,
      ratio: ratioToSingle,
      targetRatio: arm.targetRatio,
      starts,
      stops,
      inOrder,
      taskGapMs: summarize(taskGaps(steps)),
      direct,
      failed: failedChecks({ starts, stops, inOrder }),
      steps,
    };
  } finally {
    launcher.faults!.clear();
    directLauncher.faults!.clear();
  }
}

/**
 * The direct script (bench/direct) doing the same jobs back to back, each starting and stopping the
 * profile, after a warm-up job; same seller centre and receiver, a launcher of its own.
 */
async function directBatch(stack: WorkerStack, launcher: LocalLauncher, jobs: number, tag: string) {
  const leases = createMemoryLeaseStore();
  const steps = directSteps({
    leases,
    leaseTtlMs: 30_000,
    launcher: createLauncherClient({ baseUrl: launcher.url }),
    secrets: jobSecrets(stack.job.credentials, [
      { account: 'shop', url: stack.job.input.seller_centre_url! },
    ]),
    webhookUrl: stack.job.receiverUrl,
    webhookSecret: stack.job.webhookSecret,
  });
  const job = (id: string) => runDirect(steps, { job_id: id, profile_id: DIRECT_PROFILE }, stack.job.input);
  try {
    await job(`${tag}-direct-warm-up`);
    const each: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < jobs; i++) {
      const started = performance.now();
      await job(`${tag}-direct-${i}`);
      each.push(performance.now() - started);
    }
    return { totalMs: performance.now() - t0, jobs: summarize(each) };
  } finally {
    await leases.close();
  }
}

function report(arms: ArmResult[], jobs: number, lingerMs: number): ScenarioResult {
  const rows = (a: ArmResult): (string | number)[][] => [
    [a.arm, 'one job alone, start and stop included (median of 3)', ms(median(a.singleJobs))],
    [a.arm, `sum of ${jobs} single jobs`, ms(a.sumOfSingleJobs)],
    [a.arm, `total, first submit → last result (${jobs} submitted at once)`, ms(a.totalMs)],
    [a.arm, `total ÷ sum of single jobs (target ≤ ${a.targetRatio})`, ratio(a.ratio)],
    [a.arm, 'launcher starts / stops of the profile (target 1 / 1)', `${a.starts} / ${a.stops}`],
    [a.arm, 'finished in submission order', a.inOrder ? 'yes' : 'no'],
    [
      a.arm,
      "hand-over, one job's task ended → the next one's began: p50 / p99",
      `${ms(a.taskGapMs.median)} / ${ms(a.taskGapMs.p99)}`,
    ],
    [a.arm, `direct script, the same ${jobs} jobs back to back: total`, ms(a.direct.totalMs)],
    [a.arm, 'direct script, one job: p50 / p99', `${ms(a.direct.jobs.median)} / ${ms(a.direct.jobs.p99)}`],
    [a.arm, 'production total ÷ direct total', ratio(a.totalMs / a.direct.totalMs)],
    [a.arm, `ratio target met (≤ ${a.targetRatio})`, a.ratio <= a.targetRatio ? 'yes' : 'no'],
    [
      a.arm,
      'checks (1 start / 1 stop, order)',
      a.failed.length ? `FAILED: ${a.failed.join('; ')}` : 'passed',
    ],
  ];
  const svg = barChartSvg({
    title: `${jobs} jobs on one profile: seconds, sum of single jobs against the batch and the direct script`,
    yLabel: 'seconds',
    groups: arms.map((a) => ({
      label: a.arm,
      bars: [
        { series: 'sum of single jobs', value: a.sumOfSingleJobs / 1000 },
        { series: 'batch, warm hand-over', value: a.totalMs / 1000 },
        { series: 'direct script, back to back', value: a.direct.totalMs / 1000 },
      ],
    })),
  });
  return {
    id: '6-same-profile',
    title: 'One profile, jobs submitted at once: the open browser handed from job to job',
    report: [
      ...table(['arm', 'measure', 'value'], arms.flatMap(rows)),
      '',
      `linger ${lingerMs} ms; the worker process drives a local launcher in the bench process (its fault switch holds the slow arm's starts)`,
    ],
    data: { jobs, lingerMs, singleJobsPerArm: SINGLE_JOBS, arms },
    svg,
    failedChecks: arms.flatMap((a) => a.failed.map((m) => `${a.arm}: ${m}`)),
  };
}
