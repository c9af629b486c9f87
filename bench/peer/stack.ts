import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSellerCentre } from '../../src/demo/seller-centre';
import { startWebhookReceiver } from '../../src/demo/webhook-receiver';
import { tiedToParent } from '../../src/dev/tied-to-parent';
import { loopbackCredential } from '../../test/helpers/credentials';
import { waitUntil } from '../../test/helpers/processes';
import { startRedis } from '../../test/helpers/redis';
import { chromiumUnder } from '../lib/proc';
import { startPeerClient } from './queue';

const ACCOUNT = { username: 'bench', password: 'bench-pw' };
const WEBHOOK_SECRET = 'bench-webhook-secret-0123456789';

/** The BullMQ peer as its own process (bench/peer/worker-process.ts), with what it talks to. */
export interface PeerStack {
  /** Runs one real sync_orders job on `profileId` through the queue and waits for its end. */
  run(jobId: string, profileId: string): Promise<void>;
  workerPid: number;
  redisPid: number;
  /** The peer's Chromium processes (by their user-data dirs under its data dir) and their memory. */
  chromium(): { count: number; rssBytes: number; pssBytes: number };
  close(): Promise<void>;
}

/** Starts Redis, the demo seller centre, a webhook receiver and the peer process with `concurrency` slots. */
export async function startPeerStack(concurrency: number): Promise<PeerStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mlx-bench-peer-'));
  const stops: (() => Promise<void>)[] = [
    () => Promise.resolve(rmSync(dataDir, { recursive: true, force: true })),
  ];
  const close = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    const redis = await startRedis();
    stops.push(() => redis.stop());
    const sellerCentre = await startSellerCentre({ accounts: { [ACCOUNT.username]: ACCOUNT.password } });
    stops.push(() => sellerCentre.close());
    const receiver = await startWebhookReceiver({ secret: WEBHOOK_SECRET });
    stops.push(() => receiver.close());
    const secretsFile = join(dataDir, 'secrets.json');
    writeFileSync(secretsFile, JSON.stringify({ shop: loopbackCredential(sellerCentre.url, ACCOUNT) }));
    const line = tiedToParent(process.execPath, ['--import', 'tsx', join(__dirname, 'worker-process.ts')]);
    const child = spawn(line.command, line.args, {
      env: {
        ...process.env,
        PEER_REDIS_URL: redis.url,
        PEER_DATA_DIR: join(dataDir, 'launcher'),
        PEER_SECRETS_FILE: secretsFile,
        PEER_SELLER_CENTRE_URL: sellerCentre.url,
        PEER_WEBHOOK_URL: receiver.url,
        PEER_WEBHOOK_SECRET: WEBHOOK_SECRET,
        PEER_CONCURRENCY: String(concurrency),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    stops.push(async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitUntil(
      () => {
        if (child.exitCode !== null) throw new Error(`the peer process exited with ${child.exitCode}`);
        return output.includes('peer ready');
      },
      120_000,
      'the peer process to take jobs',
    );
    const client = await startPeerClient(redis.url);
    stops.push(() => client.close());
    const input = {
      seller_centre_url: sellerCentre.url,
      account: 'shop',
      from: '2024-01-01',
      to: '2024-01-30',
    };
    return {
      async run(jobId, profileId) {
        await client.run({ job_id: jobId, profile_id: profileId, input });
      },
      workerPid: child.pid!,
      redisPid: redis.pid,
      chromium: () => chromiumUnder(dataDir),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
