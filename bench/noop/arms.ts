import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { workflowIdFor } from '../../src/contract';
import type { DevServerOptions } from '../../src/dev/temporal-dev-server';
import type { Telemetry } from '../../src/telemetry';
import { startHarness, type Harness } from '../../test/helpers/harness';
import { closedLoop, type LoopResult } from '../lib/closed-loop';
import { dispatchGaps, type TaskGap } from '../lib/dispatch-gaps';
import * as activities from './activities';
import { noOpSteps } from './production-steps';
import { createMemoryLeaseStore } from '../../src/lease';

/** The two arms of the orchestration benchmark, on one dev server, each with its own worker. */
export interface NoOpArms {
  /** Jobs through the production runJob (real worker, interceptors, profile turns) with no-op steps. */
  production: (total: number, concurrency: number) => Promise<LoopResult>;
  /** The bare SDK workflow: six no-op activities in a row, no interceptors. */
  bare: (total: number, concurrency: number) => Promise<LoopResult>;
  /** Scheduled → started of every task of the last `runs` jobs of each arm, from their histories. */
  gaps(runs: number): Promise<{ production: TaskGap[][]; bare: TaskGap[][] }>;
  harness: Harness;
  close(): Promise<void>;
}

const BARE_QUEUE = 'bench-bare-noop';

export async function startNoOpArms(
  options: { devServer?: Pick<DevServerOptions, 'dbFile' | 'dynamicConfig'>; telemetry?: Telemetry } = {},
): Promise<NoOpArms> {
  const harness = await startHarness({
    maxOpenProfiles: 64,
    // The no-op steps take no lease: the in-memory store keeps Redis out of what is measured.
    leases: createMemoryLeaseStore(),
    reaperIntervalMs: 5_000, // the worker's default, not the tests' 500 ms
    replaceActivities: noOpSteps,
    devServer: options.devServer,
    telemetry: options.telemetry,
  });
  const connection = await NativeConnection.connect({ address: harness.server.address });
  const bareWorker = await Worker.create({
    connection,
    taskQueue: BARE_QUEUE,
    workflowsPath: require.resolve('./workflows'),
    activities,
  });
  const bareRunning = bareWorker.run();
  const bareClient = new Client({
    connection: await Connection.connect({ address: harness.server.address }),
  });
  // Ids unique to this process, so a second run on a reused server never meets the first one's.
  const prefix = `${process.pid}-${Date.now().toString(36)}`;
  const done = { production: [] as string[], bare: [] as string[] };
  let sequence = 0;
  const watch = { 'bench (client + worker)': process.pid, 'Temporal server': harness.server.pid };

  return {
    harness,
    production: (total, concurrency) =>
      closedLoop(
        total,
        concurrency,
        async (_i, lane) => {
          const jobId = `noop-${prefix}-${sequence++}`;
          // One profile per lane: a lane's jobs follow each other on it, as jobs of one profile do.
          await harness.submit({
            job_id: jobId,
            profile_id: `noop-${prefix}-p${lane}`,
            callback_url: undefined,
          });
          await harness.client.workflow.getHandle(workflowIdFor(jobId)).result();
          done.production.push(workflowIdFor(jobId));
        },
        watch,
      ),
    bare: (total, concurrency) =>
      closedLoop(
        total,
        concurrency,
        async () => {
          const workflowId = `bare-${prefix}-${sequence++}`;
          await bareClient.workflow.execute('sixNoOps', { taskQueue: BARE_QUEUE, workflowId });
          done.bare.push(workflowId);
        },
        watch,
      ),
    async gaps(runs) {
      const read = (ids: string[]) =>
        Promise.all(ids.slice(-runs).map((id) => dispatchGaps(harness.client, id)));
      return { production: await read(done.production), bare: await read(done.bare) };
    },
    async close() {
      bareWorker.shutdown();
      await bareRunning;
      await bareClient.connection.close();
      await connection.close();
      await harness.close();
    },
  };
}
