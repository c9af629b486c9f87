import { Queue, QueueEvents, Worker } from 'bullmq';
import type { StepTimes } from '../direct/seven-steps';
import type { SevenSteps } from '../direct/step-order';
import { PEER_JOB_OPTIONS, PEER_QUEUE, peerProcessor, type PeerJobData } from './jobs';

/** host and port of a redis:// URL, as BullMQ's connection options take them. */
function connectionOf(redisUrl: string) {
  const { hostname, port } = new URL(redisUrl);
  return { host: hostname, port: Number(port) };
}

export type PeerWorker = Worker;

/** The peer's worker: a BullMQ Worker running peerProcessor, `concurrency` jobs at once. */
export async function startPeerWorker(options: {
  redisUrl: string;
  steps: SevenSteps;
  concurrency: number;
}): Promise<Worker> {
  const worker = new Worker(PEER_QUEUE, peerProcessor(options.steps), {
    connection: connectionOf(options.redisUrl),
    concurrency: options.concurrency,
  });
  await worker.waitUntilReady();
  return worker;
}

/** The peer's client: adds a job and waits for its end, as a service submitting work would. */
export interface PeerClient {
  /** Adds the job and resolves with its step times when it completed (rejects when its last attempt failed). */
  run(job: PeerJobData, timeoutMs?: number): Promise<StepTimes>;
  close(): Promise<void>;
}

export async function startPeerClient(redisUrl: string): Promise<PeerClient> {
  const connection = connectionOf(redisUrl);
  const queue = new Queue(PEER_QUEUE, { connection });
  const events = new QueueEvents(PEER_QUEUE, { connection });
  // One listener per job in flight.
  events.setMaxListeners(64);
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
  return {
    async run(data, timeoutMs = 120_000) {
      const job = await queue.add('sync_orders', data, { ...PEER_JOB_OPTIONS, jobId: data.job_id });
      return (await job.waitUntilFinished(events, timeoutMs)) as StepTimes;
    },
    async close() {
      await events.close();
      await queue.close();
    },
  };
}
