import type { Job, JobsOptions } from 'bullmq';
import { z } from 'zod';
import { runDirect, type StepTimes } from '../direct/seven-steps';
import type { SevenSteps } from '../direct/step-order';

/** The peer's queue on its Redis. */
export const PEER_QUEUE = 'bench-peer-jobs';

/** What a job on the peer's queue carries: the job and profile ids and the task's input. */
export const PeerJobData = z.strictObject({
  job_id: z.string().min(1),
  profile_id: z.string().min(1),
  input: z.unknown(),
});
export type PeerJobData = z.infer<typeof PeerJobData>;

/**
 * What a BullMQ user sets on such a job: BullMQ's own retries (a leased profile or a browser that did
 * not start fails the attempt; three attempts, 1 s then 2 s apart), and finished jobs trimmed.
 */
export const PEER_JOB_OPTIONS = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: 1_000,
  removeOnFail: 1_000,
} satisfies JobsOptions;

/**
 * The peer's job processor: the direct script's seven steps (lease, start, CDP probe, sync_orders,
 * stop and release while the signed webhook is posted), with the clean-up on failure of
 * runSevenSteps, so a failed attempt leaves neither a browser nor a lease behind for the retry. The
 * job's return value is what each step took.
 */
export function peerProcessor(steps: SevenSteps): (job: Job) => Promise<StepTimes> {
  return async (job) => {
    const parsed = PeerJobData.safeParse(job.data);
    if (!parsed.success) {
      const fields = parsed.error.issues.map((i) => `${i.path.join('.') || 'data'}: ${i.message}`);
      throw new Error(`peer job ${String(job.id)} has bad data: ${fields.join('; ')}`);
    }
    const { job_id, profile_id, input } = parsed.data;
    return runDirect(steps, { job_id, profile_id }, input);
  };
}
