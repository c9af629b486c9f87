import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { getJob, waitForJob, temporalUiLink } from '../../src/client-library';
import { startSellerCentre } from '../../src/demo/seller-centre';
import { loopbackCredential } from '../helpers/credentials';
import { startHarness, type Harness } from '../helpers/harness';
import { CHROMIUM_FLAGS } from '../../src/launcher';

let h: Harness;
let sellerCentre: { url: string; close(): Promise<void> };
before(async () => {
  sellerCentre = await startSellerCentre({ accounts: { 'seller-42': 'correct horse' } });
  h = await startHarness({
    secrets: {
      'shop-42': loopbackCredential(sellerCentre.url, { username: 'seller-42', password: 'correct horse' }),
    },
  });
});
after(async () => {
  await h?.close();
  await sellerCentre?.close();
});

interface SyncOrdersOutput {
  count: number;
  export_count: number;
  pages: number;
  rows: { id: string; created_at: string }[];
}

test('sync_orders runs end to end on real Chromium and its result reaches the webhook receiver', async () => {
  const job = await h.submit({
    job_id: 'sync-1',
    task: {
      name: 'sync_orders',
      input: {
        seller_centre_url: sellerCentre.url,
        account: 'shop-42',
        from: '2024-01-01',
        to: '2024-01-30',
      },
    },
  });
  assert.equal(job.created, true);
  const result = await waitForJob(h.client, job.job_id);
  const output = result.output as SyncOrdersOutput;
  assert.ok(output.count > 20, `more than one page of orders (${output.count})`);
  assert.equal(output.export_count, output.count);
  assert.equal(output.rows.length, output.count);
  assert.ok(output.pages >= 2);
  // In the order they began: a completed task's report goes out while the profile stops, before the
  // lease is released.
  assert.deepEqual(
    result.steps.map((s) => `${s.step}:${s.status}`),
    [
      'acquireLease',
      'startProfile',
      'cdpConnect',
      'executeTask',
      'stopProfile',
      'postWebhook',
      'releaseLease',
    ].map((s) => `${s}:completed`),
  );

  const delivery = await h.receiver.waitFor(job.job_id);
  const body = delivery.body as { status: string; output: SyncOrdersOutput; workflow_id: string };
  assert.equal(body.status, 'completed');
  assert.equal(body.output.count, output.count);
  assert.equal(body.workflow_id, job.workflow_id);
  assert.equal(
    delivery.headers['idempotency-key'],
    `sync-1:${job.run_id}:completed`,
    'keyed by the submission',
  );
  assert.equal(h.launcher.runningProfiles().length, 0, 'the profile was stopped');
  assert.deepEqual(await h.deps.leases.list(), [], 'the lease was released');
});

test('the password never reaches Temporal history', async () => {
  const history = await h.client.workflow.getHandle(`mlx-job-sync-1`).fetchHistory();
  assert.doesNotMatch(JSON.stringify(history), /correct horse|Y29ycmVjdCBob3JzZ/);
});

test('submitting the same job_id twice runs it once', async () => {
  const spec = { job_id: 'twice-1', task: { name: 'read_title', input: { title: 'once' } } };
  const [first, second] = await Promise.all([h.submit(spec), h.submit(spec)]);
  assert.equal(first.run_id, second.run_id);
  assert.deepEqual([first.created, second.created].sort(), [false, true]);
  await waitForJob(h.client, 'twice-1');
  const again = await h.submit(spec);
  assert.deepEqual(
    { created: again.created, run_id: again.run_id },
    { created: false, run_id: first.run_id },
  );

  const runs = [];
  for await (const run of h.client.workflow.list({ query: `WorkflowId = "mlx-job-twice-1"` }))
    runs.push(run.runId);
  assert.deepEqual(runs, [first.run_id]);
  // Raw arrivals, not what the receiver kept after deduplicating: a second send must show.
  const arrivals = h.receiver.arrivals().filter((d) => (d.body as { job_id: string }).job_id === 'twice-1');
  assert.equal(arrivals.length, 1);
});

test("the dev server's Web UI shows a finished run as Completed", async () => {
  const status = await getJob(h.client, 'sync-1');
  assert.equal(status.status, 'COMPLETED');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: [...CHROMIUM_FLAGS] });
  try {
    const page = await browser.newPage();
    await page.goto(temporalUiLink(h.server.uiUrl, 'default', status.workflow_id, status.run_id));
    await page.getByText('Completed', { exact: true }).first().waitFor({ timeout: 30_000 });
    assert.ok(await page.getByText(status.workflow_id).first().isVisible());
  } finally {
    await browser.close();
  }
});
