import { FlowProducer, QueueEvents, Worker, type FlowJob } from 'bullmq';
import { startRedis } from '../../test/helpers/redis';
import { closedLoop, type LoopResult } from './closed-loop';

const QUEUE = 'bench-noop-steps';
const STEPS = 6;

export interface BullMqSteps {
  /** Jobs of six no-op steps, each a BullMQ job that waits for the one before it. */
  run: (total: number, concurrency: number) => Promise<LoopResult>;
  close(): Promise<void>;
}

/**
 * The queue a Node team would pick instead: BullMQ on a real Redis (the test helper's, in memory like
 * the dev server). A job is a flow of six steps chained parent → child, so step n starts only when step
 * n − 1 is done, as the workflow's activities do; it is finished when the last step is.
 */
export async function startBullMqSteps(): Promise<BullMqSteps> {
  const redis = await startRedis();
  const { hostname, port } = new URL(redis.url);
  const connection = { host: hostname, port: Number(port) };
  const worker = new Worker(QUEUE, () => Promise.resolve(), { connection, concurrency: 64 });
  const flows = new FlowProducer({ connection });
  const events = new QueueEvents(QUEUE, { connection });
  // Each job waiting for its end listens on the producer: one listener per job in flight.
  flows.setMaxListeners(256);
  await Promise.all([worker.waitUntilReady(), events.waitUntilReady()]);
  const chain = (): FlowJob => {
    let flow: FlowJob = { name: 'step-1', queueName: QUEUE, opts: { removeOnComplete: true } };
    for (let step = 2; step <= STEPS; step++) {
      flow = { name: `step-${step}`, queueName: QUEUE, children: [flow], opts: { removeOnComplete: true } };
    }
    return flow;
  };
  return {
    run: (total, concurrency) =>
      closedLoop(total, concurrency, async () => {
        const { job } = await flows.add(chain());
        await job.waitUntilFinished(events, 60_000);
      }),
    async close() {
      await worker.close();
      await flows.close();
      await events.close();
      await redis.stop();
    },
  };
}
