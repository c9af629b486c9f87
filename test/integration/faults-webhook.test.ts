import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { getJob, JobParkedError, waitForJob } from '../../src/client-library';
import { metricsRegistry } from '../../src/telemetry';
import { parkedAs } from '../helpers/failures';
import { startHarness, type Harness } from '../helpers/harness';
import { processesWith } from '../helpers/processes';

// Fault 8 of the reliability suite (docs/reliability.md): the webhook receiver accepts connections and
// never answers. Each POST times out (MLX_WEBHOOK_TIMEOUT_MS, 1 s here), postWebhook retries it by its
// policy, and the job parks as a webhook dead letter with its result kept; the browser and the lease
// were freed while the first delivery was under way (a completed job reports while its profile stops),
// long before the job parks.
let h: Harness;

before(async () => {
  h = await startHarness({ webhookTimeoutMs: 1_000 });
});
after(async () => {
  await h?.close();
});

const browsersOf = (profileId: string) =>
  processesWith(`--user-data-dir=${join(h.dataDir, 'profiles', profileId)}`);

/** A receiver that accepts every connection and never answers; what the job held at each request. */
async function startHangingReceiver(onRequest: () => Promise<unknown>) {
  const sockets: Socket[] = [];
  const seen: unknown[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    // A delivery is a request that arrives (a client may open a connection it never uses): read it,
    // answer nothing.
    socket.once('data', () => void onRequest().then((state) => seen.push(state)));
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    seen,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

test('a webhook receiver that never answers: each delivery times out, is retried, and the job parks as a webhook dead letter', async () => {
  const profile = 'hanging-hook';
  // What the job still held when each delivery reached the receiver.
  const receiver = await startHangingReceiver(async () => ({
    browsers: browsersOf(profile).length,
    open: h.deps.profiles.get(profile) !== undefined,
    lease: (await h.deps.leases.get(profile)) !== undefined,
    slot: h.deps.slots.holders().some((s) => s.profile_id === profile),
  }));
  try {
    const job = await h.submit(
      {
        job_id: 'hanging-hook',
        profile_id: profile,
        callback_url: receiver.url,
        policies: {
          postWebhook: { retry: { initial_interval_ms: 100, maximum_interval_ms: 200, maximum_attempts: 3 } },
        },
      },
      { deadLetterRetentionMs: 10 * 60_000 },
    );
    const parked = await waitForJob(h.client, job.job_id).catch((err: unknown) => err);
    assert.deepEqual(parkedAs(parked), {
      kind: 'webhook',
      type: 'WebhookUnavailable',
      step: 'postWebhook',
    });
    assert.ok(parked instanceof JobParkedError);
    // A receiver that hangs reads as one that is not there: the message maps no internal port.
    assert.match(parked.deadLetter.failure.message, /delivery failed: no connection$/);
    assert.equal(receiver.seen.length, 3, 'three deliveries, as the policy allows, then parked');
    // The operator's side tells it from a closed port or a 5xx: its own outcome (and error.type =
    // timeout on the mlx.webhook.post span, test/integration/alerts.test.ts).
    assert.match(
      await metricsRegistry.metrics(),
      /^mlx_webhook_deliveries_total\{platform="shopee_my",result="timeout"\} 3$/m,
    );
    const nothingHeld = { browsers: 0, open: false, lease: false, slot: false };
    // The report does not wait for the stop, nor the stop for the report: freed before the retries end.
    assert.deepEqual(receiver.seen.at(-1), nothingHeld, 'freed while the deliveries were still tried');
    // The kept result waits for the operator (dlq retry redelivers it).
    const status = await getJob(h.client, job.job_id);
    assert.equal(status.progress?.dead_letter?.kind, 'webhook');
    const steps = status.progress?.steps.map((s) => `${s.step}:${s.status}`) ?? [];
    assert.ok(
      steps.includes('stopProfile:completed') && steps.includes('releaseLease:completed'),
      String(steps),
    );
  } finally {
    await receiver.close();
  }
});
