import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import { connectClient, startJob } from '../../src/client-library';
import { loopbackCredential } from '../../test/helpers/credentials';
import { loadClientConfig } from '../../src/config';
import { workflowIdFor, type JobResult, type JobSpec } from '../../src/contract';
import { startSellerCentre } from '../../src/demo/seller-centre';
import { startWebhookReceiver } from '../../src/demo/webhook-receiver';
import { startDevServer } from '../../src/dev/temporal-dev-server';
import { startLocalLauncher, type LocalLauncher } from '../../src/launcher';
import type { runJob } from '../../src/workflows';
import { waitUntil } from '../../test/helpers/processes';
import { startRedis } from '../../test/helpers/redis';
import { startWorkerProcess } from '../../test/helpers/spawn';
import type { ServerConfig } from './flags';
import { chromiumUnder, rssBytes } from './proc';

const ACCOUNT = { username: 'bench', password: 'bench-pw' };
const TASK_QUEUE = 'bench-jobs';
const WEBHOOK_SECRET = 'bench-webhook-secret-0123456789';

const WorkerStats = z.object({
  rss: z.number(),
  heap_used: z.number(),
  handles: z.record(z.string(), z.number()),
});
export type WorkerStats = z.infer<typeof WorkerStats>;

/** The production worker as its own process (embedded launcher, real Chromium), with what it talks to. */
export interface WorkerStack {
  client: Client;
  workerPid: number;
  /** Starts a real sync_orders job on `profileId` (default policies, webhook to the receiver). */
  submit(jobId: string, profileId: string, options?: Pick<JobSpec, 'fresh_start'>): Promise<void>;
  result(jobId: string): Promise<JobResult>;
  /** The worker's memory and active handles, read inside it (SIGUSR2). */
  stats(): Promise<WorkerStats>;
  workerRss(): number;
  /** The servers the worker talks to, by name: the Temporal dev server, and Redis when it has one. */
  serverPids: Record<string, number>;
  /** The worker's Chromium processes and the sum of their RSS. */
  chromium(): { count: number; rssBytes: number; pssBytes: number };
  /** With `launcherWithFaults`: the launcher the worker drives, its timeline and fault switch. */
  launcher: LocalLauncher | undefined;
  /** What the jobs' task gets and where their webhooks go, for a script doing the same job. */
  job: {
    input: Record<string, string>;
    credentials: Record<string, Record<string, unknown>>;
    receiverUrl: string;
    webhookSecret: string;
  };
  close(): Promise<void>;
}

export async function startWorkerStack(options: {
  maxOpenProfiles: number;
  serverConfig: ServerConfig | undefined;
  /** Leases in a Redis of the stack's own (MLX_REDIS_URL), as a fleet keeps them; else in the worker's memory. */
  redis?: boolean;
  /** MLX_PROFILE_LINGER_MS; without it 0 (browsers stopped as each job ends). */
  lingerMs?: number;
  /**
   * The worker drives a local launcher in this process (the embedded launcher's code, its Chromium
   * under the stack's data dir) whose timeline and fault switch the bench reads and sets.
   */
  launcherWithFaults?: boolean;
}): Promise<WorkerStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mlx-bench-worker-'));
  const secretsFile = join(dataDir, 'secrets.json');
  // What is started so far, stopped in reverse when a later start fails (and by close()).
  const started: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of started.reverse()) await stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  const start = async <T>(run: () => Promise<T>, stop: (value: T) => Promise<void>): Promise<T> => {
    try {
      const value = await run();
      started.push(() => stop(value));
      return value;
    } catch (err) {
      await stopAll();
      throw err;
    }
  };
  const server = await start(
    () => startDevServer({ dynamicConfig: options.serverConfig }),
    (s) => s.stop(),
  );
  const redis = options.redis
    ? await start(
        () => startRedis(),
        (r) => r.stop(),
      )
    : undefined;
  const sellerCentre = await start(
    () => startSellerCentre({ accounts: { [ACCOUNT.username]: ACCOUNT.password } }),
    (s) => s.close(),
  );
  // The credential may be typed only into this seller centre (loopback, so http), for the jobs' client.
  const credentials = { shop: loopbackCredential(sellerCentre.url, ACCOUNT) };
  writeFileSync(secretsFile, JSON.stringify(credentials));
  const receiver = await start(
    () => startWebhookReceiver({ secret: WEBHOOK_SECRET }),
    (r) => r.close(),
  );
  const launcher = options.launcherWithFaults
    ? await start(
        () =>
          startLocalLauncher({
            dataDir: join(dataDir, 'launcher'),
            faults: true,
            maxProfiles: options.maxOpenProfiles,
            ...(process.env.MLX_CHROMIUM_PATH && { chromiumPath: process.env.MLX_CHROMIUM_PATH }),
          }),
        (l) => l.close(),
      )
    : undefined;
  const worker = await start(
    () =>
      startWorkerProcess(
        {
          TEMPORAL_ADDRESS: server.address,
          MLX_TASK_QUEUE: TASK_QUEUE,
          MLX_WORKER_ID: 'bench-worker',
          MLX_DATA_DIR: dataDir,
          MLX_MAX_OPEN_PROFILES: String(options.maxOpenProfiles),
          MLX_TASK_SECRETS_FILE: secretsFile,
          MLX_WEBHOOK_SECRET: WEBHOOK_SECRET,
          // The receiver listens on loopback over http.
          MLX_WEBHOOK_ALLOW_HOSTS: '127.0.0.1:*',
          MLX_HEADLESS: 'true',
          ...(redis && { MLX_REDIS_URL: redis.url }),
          MLX_DRAIN_GRACE_MS: '10000',
          ...(options.lingerMs !== undefined && { MLX_PROFILE_LINGER_MS: String(options.lingerMs) }),
          ...(launcher && { MLX_LAUNCHER_URL: launcher.url }),
          OTEL_EXPORTER_OTLP_ENDPOINT: '',
          // So its stats are read after a full collection (bench/worker-process.ts).
          NODE_OPTIONS: [process.env.NODE_OPTIONS, '--expose-gc'].filter(Boolean).join(' '),
        },
        // A loaded 2-core machine takes over a minute to compile and start the worker.
        180_000,
        join(__dirname, '..', 'worker-process.ts'),
      ),
    async (w) => {
      w.child.kill('SIGTERM');
      await w.exited;
    },
  );
  // The client refuses at submit a callback_url the workers may not post to: the receiver is on loopback.
  const clientConfig = loadClientConfig({
    TEMPORAL_ADDRESS: server.address,
    MLX_WEBHOOK_ALLOW_HOSTS: '127.0.0.1:*',
  });
  const client = await start(
    () => connectClient(clientConfig),
    (c) => c.connection.close(),
  );
  const pid = worker.child.pid!;
  const input = {
    seller_centre_url: sellerCentre.url,
    account: 'shop',
    from: '2024-01-01',
    to: '2024-01-30',
  };
  const statsLines = () => worker.lines().filter((l) => l.startsWith('{"bench_stats"'));
  return {
    client,
    workerPid: pid,
    async submit(jobId, profileId, extra = {}) {
      await startJob(
        client,
        {
          job_id: jobId,
          profile_id: profileId,
          folder_id: 'folder-bench',
          platform: 'shopee_my',
          client_id: 'client-42',
          task: { name: 'sync_orders', input },
          callback_url: receiver.url,
          ...extra,
        },
        { taskQueue: TASK_QUEUE, egress: clientConfig.egress },
      );
    },
    result: (jobId) => client.workflow.getHandle<typeof runJob>(workflowIdFor(jobId)).result(),
    async stats() {
      const before = statsLines().length;
      process.kill(pid, 'SIGUSR2');
      await waitUntil(() => statsLines().length > before, 10_000, 'the worker to report its stats');
      const line = JSON.parse(statsLines().at(-1)!) as { bench_stats: unknown };
      return WorkerStats.parse(line.bench_stats);
    },
    workerRss: () => rssBytes(pid),
    serverPids: { 'Temporal server': server.pid, ...(redis && { Redis: redis.pid }) },
    chromium: () => chromiumUnder(dataDir),
    launcher,
    job: { input, credentials, receiverUrl: receiver.url, webhookSecret: WEBHOOK_SECRET },
    close: stopAll,
  };
}
