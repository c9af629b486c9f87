// Workflow-safe (no Node APIs): the direct script and the floor's bare SDK workflow share this order.

export interface DirectJob {
  job_id: string;
  profile_id: string;
}

/** What each step of one run took, in ms, by the production step names. */
export type StepTimes = Record<string, number>;

/** The job's seven steps, as functions (the direct script) or as activities (the floor workflow). */
export interface SevenSteps {
  acquireLease(job: DirectJob): Promise<number>;
  startProfile(job: DirectJob): Promise<number>;
  cdpConnect(job: DirectJob, port: number): Promise<{ version: string; pages: number }>;
  executeTask(job: DirectJob, input: unknown): Promise<unknown>;
  stopProfile(job: DirectJob): Promise<void>;
  releaseLease(job: DirectJob, token: number): Promise<void>;
  postWebhook(job: DirectJob, output: unknown): Promise<void>;
}

/**
 * Lease, start, probe, task, then stop and release while the result is posted: the production order,
 * with the same clean-up on failure (the profile is stopped and the lease freed whatever happened; a
 * failure is thrown, not posted). Times each step with `now`.
 */
export async function runSevenSteps(
  steps: SevenSteps,
  job: DirectJob,
  input: unknown,
  now: () => number,
): Promise<StepTimes> {
  const times: StepTimes = {};
  const timed = async <T>(step: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = now();
    try {
      return await fn();
    } finally {
      times[step] = now() - t0;
    }
  };
  const token = await timed('acquireLease', () => steps.acquireLease(job));
  const release = () => timed('releaseLease', () => steps.releaseLease(job, token));
  let port: number;
  try {
    port = await timed('startProfile', () => steps.startProfile(job));
  } catch (err) {
    await release();
    throw err;
  }
  const stopAndRelease = async () => {
    try {
      await timed('stopProfile', () => steps.stopProfile(job));
    } finally {
      await release();
    }
  };
  let output: unknown;
  try {
    await timed('cdpConnect', () => steps.cdpConnect(job, port));
    output = await timed('executeTask', () => steps.executeTask(job, input));
  } catch (err) {
    await stopAndRelease();
    throw err;
  }
  await Promise.all([timed('postWebhook', () => steps.postWebhook(job, output)), stopAndRelease()]);
  return times;
}
