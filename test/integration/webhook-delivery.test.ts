import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { getJob, waitForJob } from '../../src/client-library';
import { startWebhookReceiver, type WebhookReceiver } from '../../src/demo/webhook-receiver';
import { freePort } from '../../src/dev/free-port';
import { signWebhook } from '../../src/webhooks';
import { startHarness, WEBHOOK_SECRET, type Harness } from '../helpers/harness';
import { waitUntil } from '../helpers/processes';

let h: Harness;
before(async () => {
  h = await startHarness({ launcher: { faults: true } });
});
after(async () => {
  await h?.close();
});

const body = JSON.stringify({ job_id: 'manual-1', status: 'completed' });
const post = (url: string, headers: Record<string, string>) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

test('the receiver refuses a bad signature and a stale timestamp, and keeps a repeated delivery once', async () => {
  const receiver = h.receiver;
  const bad = await post(receiver.url, {
    ...signWebhook(['not-the-secret-0123456789'], 'k1', body),
    'idempotency-key': 'k1',
  });
  assert.equal(bad.status, 401);
  assert.equal(await bad.text(), 'bad signature');
  const stale = await post(receiver.url, {
    ...signWebhook([WEBHOOK_SECRET], 'k1', body, Math.floor(Date.now() / 1000) - 3600),
    'idempotency-key': 'k1',
  });
  assert.equal(stale.status, 401);
  assert.equal(await stale.text(), 'stale timestamp');

  const good = {
    ...signWebhook([WEBHOOK_SECRET], 'manual-1:completed', body),
    'idempotency-key': 'manual-1:completed',
  };
  assert.equal((await post(receiver.url, good)).status, 204);
  const again = await post(receiver.url, good);
  assert.deepEqual([again.status, await again.json()], [200, { duplicate: true }]);
  const kept = receiver.deliveries().filter((d) => (d.body as { job_id: string }).job_id === 'manual-1');
  assert.equal(kept.length, 1, 'kept once');
  assert.equal(receiver.arrivals().length, 2, 'though it arrived twice');
});

test('a receiver that is down for a while gets the webhook once it is up, exactly once', async () => {
  const port = await freePort();
  const job = await h.submit({
    job_id: 'outage-1',
    callback_url: `http://127.0.0.1:${port}/hooks`,
    policies: {
      postWebhook: {
        retry: {
          initial_interval_ms: 300,
          backoff_coefficient: 1.5,
          maximum_interval_ms: 1_000,
          maximum_attempts: 10,
        },
      },
    },
  });
  // The receiver is down: the webhook step fails and is retried, the job waits in postWebhook.
  let status = await getJob(h.client, job.job_id);
  const deadline = Date.now() + 20_000;
  while (!status.pending.some((p) => p.step === 'postWebhook' && p.attempt >= 2) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    status = await getJob(h.client, job.job_id);
  }
  assert.ok(
    status.pending.some((p) => p.step === 'postWebhook' && p.attempt >= 2),
    'webhook retried while down',
  );
  // The profile stops while the webhook is tried: it is not held while the webhook waits, nor its lease.
  await waitUntil(
    async () => h.launcher.runningProfiles().length === 0 && (await h.deps.leases.list()).length === 0,
    10_000,
    'the profile stopped and its lease released while the webhook waits',
  );

  let receiver: WebhookReceiver | undefined;
  try {
    receiver = await startWebhookReceiver({ port, secret: WEBHOOK_SECRET });
    await waitForJob(h.client, job.job_id);
    const delivery = await receiver.waitFor(job.job_id, 10_000);
    assert.equal((delivery.body as { status: string }).status, 'completed');
    assert.equal(receiver.arrivals().length, 1, 'it arrived once: no duplicate send');
  } finally {
    await receiver?.close();
  }
});

test('a completed job reports while its profile stops, and still stops and frees it', async () => {
  const profileId = 'slow-stop-profile';
  // The launcher holds the stop for 3 s: the report must not wait for it.
  h.launcher.faults!.set(profileId, { error: 'DELAY', on: 'stop', delay_ms: 3_000 });
  const job = await h.submit({ job_id: 'report-while-stopping', profile_id: profileId });
  const delivery = await h.receiver.waitFor(job.job_id, 30_000);
  assert.equal((delivery.body as { status: string }).status, 'completed');
  // Reported, and the job still runs its stop: once the run has seen the report's step end (its workflow
  // task follows the delivery), it shows the step it is in, not the report's end.
  let during = await getJob(h.client, job.job_id);
  await waitUntil(
    async () => {
      during = await getJob(h.client, job.job_id);
      return (
        during.progress?.steps.some((s) => s.step === 'postWebhook' && s.status === 'completed') ?? false
      );
    },
    2_000,
    'the run to record the report',
  );
  assert.equal(during.progress?.state, 'running');
  assert.equal(during.progress?.current_step, 'stopProfile');

  const { steps } = await waitForJob(h.client, job.job_id);
  const ended = (step: string) => {
    const record = steps.find((s) => s.step === step);
    assert.ok(record?.status === 'completed', `${step} completed`);
    return Date.parse(record.started_at) + (record.duration_ms ?? 0);
  };
  const receivedAt = Date.parse(delivery.received_at);
  assert.ok(receivedAt >= ended('executeTask'), 'reported after the task');
  assert.ok(receivedAt < ended('stopProfile') - 1_000, 'reported while the profile was stopping');
  assert.ok(ended('releaseLease') >= ended('stopProfile'), 'the lease released after the stop');
  assert.equal(h.launcher.runningProfiles().length, 0, 'the profile stopped');
  assert.equal(await h.deps.leases.get(profileId), undefined, 'its lease released');
});
