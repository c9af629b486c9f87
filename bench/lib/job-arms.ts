import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSellerCentre, type SellerCentre } from '../../src/demo/seller-centre';
import { startLocalLauncher, type LocalLauncher } from '../../src/launcher';
import { workflowIdFor } from '../../src/contract';
import { DEFAULT_TRACE_MAX_BYTES } from '../../src/activities/evidence';
import { traceDetailSetting } from '../../src/config';
import { createRedisLeaseStore, type LeaseStore } from '../../src/lease';
import { createLauncherClient } from '../../src/mlx';
import { jobSecrets, loopbackCredential } from '../../test/helpers/credentials';
import { startTelemetry, type Telemetry } from '../../src/telemetry';
import type { runJob } from '../../src/workflows';
import { startHarness, WEBHOOK_SECRET, type Harness } from '../../test/helpers/harness';
import { startRedis, type StartedRedis } from '../../test/helpers/redis';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { directSteps, runDirect, type StepTimes } from '../direct/seven-steps';
import type { bareSevenSteps } from '../floor/workflows';
import { withLeaseRenewal } from '../peer/renewal';
import { startPeerClient, startPeerWorker, type PeerClient, type PeerWorker } from '../peer/queue';
import { dispatchGaps, type TaskGap } from './dispatch-gaps';
import type { ServerConfig } from './flags';
import { cpuMs, cpuSince, machineCpuMs } from './proc';

const ACCOUNT = { username: 'bench', password: 'bench-pw' };
const LEASE_TTL_MS = 30_000;
const FLOOR_QUEUE = 'bench-floor-job';

export interface JobRun {
  /** Submit → result. */
  ms: number;
  /** Submit → the receiver holding the job's signed webhook: when the client hears of the result. */
  webhookMs: number;
  /** Per step: workflow time (from the task that scheduled it to the one that saw it end) through
   * Temporal, wall time in the direct script. */
  steps: StepTimes;
  /** CPU time used while the run went on, in ms: every core of the machine, this process (client,
   * workers, Playwright, both launchers' bookkeeping), the Temporal server, and Redis (leases, and the
   * BullMQ peer's queue). */
  cpu: JobCpu;
}

export interface JobCpu {
  machine: number;
  bench: number;
  server: number;
  redis: number;
}

/** A real sync_orders job (120 orders, 6 pages, CSV export) through Temporal and without it. */
export interface JobArms {
  temporal(): Promise<JobRun>;
  direct(): Promise<JobRun>;
  /** The floor: the direct script's seven steps as activities of a bare SDK workflow (bench/floor). */
  floor(): Promise<JobRun>;
  /** The BullMQ peer: the same seven steps as the processor of a BullMQ job (bench/peer), on the leases' Redis. */
  bullmq(): Promise<JobRun>;
  /** Scheduled → started of every task of the Temporal jobs (production and floor) run so far. */
  gaps(): Promise<{ temporal: TaskGap[][]; floor: TaskGap[][] }>;
  close(): Promise<void>;
}

/**
 * One process holds both arms: the worker (in-process, as in the tests), a local launcher with real
 * Chromium for each arm, the demo seller centre, a webhook receiver verifying signatures and a real
 * Redis for the lease, so both arms take the same lease, drive the same Chromium and post to the same
 * receiver.
 * Tracing follows this process's OTEL_* variables (scenario 3 sets them per child process).
 */
export async function startJobArms(serverConfig: ServerConfig | undefined): Promise<JobArms> {
  let redis: StartedRedis | undefined;
  let leases: LeaseStore | undefined;
  let sellerCentre: SellerCentre | undefined;
  let harness: Harness | undefined;
  let telemetry: Telemetry | undefined;
  // The direct script has a launcher of its own: the worker's reaper stops browsers no job of it opened.
  const directDir = mkdtempSync(join(tmpdir(), 'mlx-bench-direct-'));
  let directLauncher: LocalLauncher | undefined;
  let floorWorker:
    { worker: Worker; running: Promise<void>; client: Client; native: NativeConnection } | undefined;
  let peer: { worker: PeerWorker; client: PeerClient } | undefined;
  const close = async () => {
    if (peer) {
      await peer.client.close();
      await peer.worker.close();
    }
    if (floorWorker) {
      floorWorker.worker.shutdown();
      await floorWorker.running;
      await floorWorker.client.connection.close();
      await floorWorker.native.close();
    }
    await directLauncher?.close();
    rmSync(directDir, { recursive: true, force: true });
    await harness?.close();
    await leases?.close();
    await redis?.stop();
    await sellerCentre?.close();
    await telemetry?.shutdown();
  };
  try {
    redis = await startRedis();
    leases = createRedisLeaseStore(redis.url, `bench-${process.pid}`);
    sellerCentre = await startSellerCentre({ accounts: { [ACCOUNT.username]: ACCOUNT.password } });
    telemetry = startTelemetry({ serviceName: 'mlx-worker' });
    directLauncher = await startLocalLauncher({ dataDir: directDir });
    harness = await startHarness({
      secrets: { shop: loopbackCredential(sellerCentre.url, ACCOUNT) },
      telemetry,
      leases,
      leaseTtlMs: LEASE_TTL_MS,
      reaperIntervalMs: 5_000,
      devServer: { dynamicConfig: serverConfig },
      // As a worker process would: MLX_TRACE_FAILED_ATTEMPTS sets what the Playwright trace every task
      // attempt records holds (kept only when the attempt fails), or turns it off.
      failureTrace: {
        detail: traceDetailSetting.parse(process.env.MLX_TRACE_FAILED_ATTEMPTS),
        maxBytes: DEFAULT_TRACE_MAX_BYTES,
      },
    });
  } catch (err) {
    await close();
    throw err;
  }
  const h = harness;
  const redisPid = redis.pid;
  const launcherUrl = directLauncher.url;
  const input = {
    seller_centre_url: sellerCentre.url,
    account: 'shop',
    from: '2024-01-01',
    to: '2024-01-30',
  };
  // Both arms drive the same profile, one after the other, so its browser state is the same for both.
  const profileId = 'bench-profile';
  const direct = {
    leases,
    leaseTtlMs: LEASE_TTL_MS,
    launcher: createLauncherClient({ baseUrl: launcherUrl }),
    secrets: jobSecrets({ shop: loopbackCredential(sellerCentre.url, ACCOUNT) }, [
      { account: 'shop', url: sellerCentre.url },
    ]),
    webhookUrl: h.receiver.url,
    webhookSecret: WEBHOOK_SECRET,
  };
  // The floor shares the direct script's launcher and profile (the same browser state) and its steps;
  // its worker starts on first use (scenario 3's processes never use it).
  const steps = directSteps(direct);
  const startFloor = async () => {
    const native = await NativeConnection.connect({ address: h.server.address });
    const worker = await Worker.create({
      connection: native,
      taskQueue: FLOOR_QUEUE,
      workflowsPath: require.resolve('../floor/workflows'),
      activities: steps,
    });
    const client = new Client({ connection: await Connection.connect({ address: h.server.address }) });
    floorWorker = { worker, running: worker.run(), client, native };
    return floorWorker;
  };
  // The peer shares them too, as a BullMQ worker in this process (as the floor's worker is) on the
  // leases' Redis; it starts on first use.
  const peerSteps = withLeaseRenewal(directSteps({ ...direct, as: 'bullmq' }), leases, LEASE_TTL_MS);
  const redisUrl = redis.url;
  const startPeer = async () => {
    const worker = await startPeerWorker({ redisUrl, steps: peerSteps, concurrency: 1 });
    peer = { worker, client: await startPeerClient(redisUrl) };
    return peer;
  };
  const ids: string[] = [];
  const floorIds: string[] = [];
  let sequence = 0;
  const jobId = () => `bench-${process.pid}-${Date.now().toString(36)}-${sequence++}`;
  // Beside a run's wall time: what it cost in CPU (on two cores a real job keeps both busy, so CPU the
  // orchestration spends is CPU the browser waits for), and when the receiver, which every arm posts to,
  // held its webhook. `run` returns the job_id that webhook carries.
  const measured = async (
    run: () => Promise<Omit<JobRun, 'cpu' | 'webhookMs'> & { id: string }>,
  ): Promise<JobRun> => {
    const cpuUsed = cpuSince({
      machine: machineCpuMs,
      bench: () => cpuMs(process.pid),
      server: () => cpuMs(h.server.pid),
      redis: () => cpuMs(redisPid),
    });
    const submittedAt = Date.now();
    const { id, ...result } = await run();
    const cpu = cpuUsed();
    const delivery = await h.receiver.waitFor(id, 10_000);
    return { ...result, webhookMs: Date.parse(delivery.received_at) - submittedAt, cpu };
  };
  return {
    temporal: () =>
      measured(async () => {
        const id = jobId();
        const t0 = performance.now();
        await h.submit({ job_id: id, profile_id: profileId, task: { name: 'sync_orders', input } });
        const result = await h.client.workflow.getHandle<typeof runJob>(workflowIdFor(id)).result();
        const ms = performance.now() - t0;
        if (result.status !== 'completed') throw new Error(`job ${id} ended ${String(result.status)}`);
        ids.push(workflowIdFor(id));
        const steps = Object.fromEntries(result.steps.map((s) => [s.step, s.duration_ms ?? 0]));
        return { id, ms, steps };
      }),
    direct: () =>
      measured(async () => {
        const id = jobId();
        const t0 = performance.now();
        const times = await runDirect(steps, { job_id: id, profile_id: profileId }, input);
        return { id, ms: performance.now() - t0, steps: times };
      }),
    floor: () =>
      measured(async () => {
        const floor = floorWorker ?? (await startFloor());
        const id = jobId();
        const t0 = performance.now();
        const times = await floor.client.workflow.execute<typeof bareSevenSteps>('bareSevenSteps', {
          taskQueue: FLOOR_QUEUE,
          workflowId: `floor-${id}`,
          args: [{ job_id: id, profile_id: profileId }, input],
        });
        const ms = performance.now() - t0;
        floorIds.push(`floor-${id}`);
        return { id, ms, steps: times };
      }),
    bullmq: () =>
      measured(async () => {
        const { client } = peer ?? (await startPeer());
        const id = jobId();
        const t0 = performance.now();
        const times = await client.run({ job_id: id, profile_id: profileId, input });
        return { id, ms: performance.now() - t0, steps: times };
      }),
    gaps: async () => ({
      temporal: await Promise.all(ids.map((id) => dispatchGaps(h.client, id))),
      floor: await Promise.all(floorIds.map((id) => dispatchGaps(floorWorker!.client, id))),
    }),
    close,
  };
}
