import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getJob, jobFailureOf, startJob, temporalUiLink, waitForJob } from '../../src/client-library';
import { createEncryptionCodec, createKeyRing } from '../../src/payload-codec';
import { decodedHistoryText } from '../helpers/history';
import { once } from '../helpers/once';
import { TEST_PAYLOAD_KEY } from '../helpers/payload';
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

/** The sync_orders job of this file. */
const syncJob = once(async () => {
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
  return { job, result: await waitForJob(h.client, job.job_id) };
});

test('sync_orders runs end to end on real Chromium and its result reaches the webhook receiver', async () => {
  const { job, result } = await syncJob();
  assert.equal(job.created, true);
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
  const { job, result } = await syncJob();
  // The job signed in with the password: the worker held it and typed it into the site.
  const output = result.output as SyncOrdersOutput;
  assert.ok(output.count > 0, 'orders were read after signing in');
  const codec = createEncryptionCodec(createKeyRing([TEST_PAYLOAD_KEY]));
  const { raw, decoded } = await decodedHistoryText(h.client, job.job_id, codec);
  // The search can see what payloads hold: the task's input and its output are readable once decoded,
  // and hidden in the raw (encrypted) history, where a search would find nothing whatever they held.
  assert.ok(decoded.includes('shop-42') && decoded.includes(output.rows[0]!.id), 'the decoded payloads');
  assert.ok(!raw.includes('shop-42'), 'the raw history is encrypted');
  assert.doesNotMatch(decoded, /correct horse|Y29ycmVjdCBob3JzZ|correct%20horse/);
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
  const job = await h.submit({ job_id: 'ui-1' });
  await waitForJob(h.client, job.job_id);
  const status = await getJob(h.client, job.job_id);
  assert.equal(status.status, 'COMPLETED');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: [...CHROMIUM_FLAGS] });
  try {
    const page = await browser.newPage();
    await page.goto(temporalUiLink(h.server.uiUrl, h.server.namespace, status.workflow_id, status.run_id));
    await page.getByText('Completed', { exact: true }).first().waitFor({ timeout: 30_000 });
    assert.ok(await page.getByText(status.workflow_id).first().isVisible());
  } finally {
    await browser.close();
  }
});

/** A duration cell of the docs' policy table ("90 s", "10 min", "–") in ms; undefined for "–". */
function tableMs(cell: string): number | undefined {
  const m = /^(\d+) (s|min)$/.exec(cell);
  if (cell === '–') return undefined;
  assert.ok(m, `a duration in the docs' table: "${cell}"`);
  return Number(m[1]) * (m[2] === 's' ? 1_000 : 60_000);
}

/** The rows of the first markdown table in `text` after the line starting with `heading`. */
function docsTable(text: string, heading: string): string[][] {
  const lines = text.slice(text.indexOf(heading)).split('\n');
  const start = lines.findIndex((l) => l.startsWith('|'));
  const rows = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
  }
  return rows;
}

const durationMs = (d: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  d ? Number(d.seconds ?? 0) * 1_000 + (d.nanos ?? 0) / 1e6 : undefined;

test('a job submitted with the default policies runs its steps with the options docs/operations.md documents', async () => {
  const docs = readFileSync(join(__dirname, '../../docs/operations.md'), 'utf8');
  // The failure types the docs say are never retried ("no", "no, on that host")…
  const nonRetryable = docsTable(docs, '| type ')
    // …and those that are no step's failure ("–"), which no step retries either.
    .filter(([, retried]) => retried?.startsWith('no') || retried === '–')
    .flatMap(([types]) => [...types!.matchAll(/`(\w+)`/g)].map((m) => m[1]!))
    .sort();
  assert.ok(nonRetryable.includes('PlatformBanned'), 'the failure table was read');
  const documented = new Map(
    docsTable(docs, '## Step policies').map(
      ([step, , startToClose, scheduleToClose, scheduleToStart, heartbeat, first, max, attempts]) => [
        step!,
        {
          startToClose: tableMs(startToClose!),
          scheduleToClose: tableMs(scheduleToClose!),
          scheduleToStart: tableMs(scheduleToStart!),
          heartbeat: tableMs(heartbeat!),
          retry: {
            initialInterval: tableMs(first!),
            // "intervals double on each retry"
            backoffCoefficient: 2,
            maximumInterval: tableMs(max!),
            maximumAttempts: attempts === 'unlimited' ? 0 : Number(attempts),
            nonRetryableErrorTypes: nonRetryable,
          },
        },
      ],
    ),
  );
  assert.equal(documented.size, 7, 'a row per step');

  // No policy option: the client resolves the built-in defaults, as a plain submit does.
  const defaults = { ...h.startOptions, policy: undefined };
  const job = await startJob(h.client, { ...h.jobFields('defaults-1'), job_id: 'defaults-1' }, defaults);
  await waitForJob(h.client, job.job_id);
  const history = await h.client.workflow.getHandle(job.workflow_id).fetchHistory();
  const scheduled = (history.events ?? []).flatMap((e) => {
    const a = e.activityTaskScheduledEventAttributes;
    return a ? [a] : [];
  });
  const seen = new Set<string>();
  for (const a of scheduled) {
    const step = a.activityType!.name!;
    const doc = documented.get(step);
    if (!doc) continue; // not a step of the table (a queue's own bookkeeping)
    seen.add(step);
    const scheduleToClose = durationMs(a.scheduleToCloseTimeout) || undefined;
    assert.deepEqual(
      {
        startToClose: durationMs(a.startToCloseTimeout),
        scheduleToClose,
        // Unset, the server fills in the schedule-to-close (or nothing without one).
        scheduleToStart: durationMs(a.scheduleToStartTimeout) || undefined,
        heartbeat: durationMs(a.heartbeatTimeout) || undefined,
        retry: {
          initialInterval: durationMs(a.retryPolicy?.initialInterval),
          backoffCoefficient: a.retryPolicy?.backoffCoefficient,
          maximumInterval: durationMs(a.retryPolicy?.maximumInterval),
          maximumAttempts: a.retryPolicy?.maximumAttempts ?? 0,
          nonRetryableErrorTypes: [...(a.retryPolicy?.nonRetryableErrorTypes ?? [])].sort(),
        },
      },
      { ...doc, scheduleToStart: doc.scheduleToStart ?? doc.scheduleToClose },
      step,
    );
  }
  for (const step of ['acquireLease', 'startProfile', 'cdpConnect', 'executeTask', 'stopProfile'])
    assert.ok(seen.has(step), `${step} ran as an activity with its options in the history`);
});

test('a worker with the default egress rules refuses a callback to 127.0.0.1: WebhookTargetNotAllowed', async () => {
  // Every harness worker allows its loopback receiver; this one job runs with the defaults instead
  // (MLX_WEBHOOK_ALLOW_HOSTS unset), on the same real worker.
  const allowed = h.deps.webhookEgress;
  h.deps.webhookEgress = undefined;
  try {
    // https, so it is the address that is refused, not the scheme.
    const callback = new URL(h.receiver.url);
    callback.protocol = 'https:';
    const job = await h.submit({ job_id: 'private-callback-1', callback_url: callback.href });
    const failure = await waitForJob(h.client, job.job_id).then(
      () => assert.fail('the job completed'),
      (err: unknown) => jobFailureOf(err),
    );
    assert.equal(failure.type, 'WebhookTargetNotAllowed');
    assert.equal(failure.step, 'postWebhook');
    assert.match(failure.message, /private, loopback/);
  } finally {
    h.deps.webhookEgress = allowed;
  }
  const arrivals = h.receiver
    .arrivals()
    .filter((d) => (d.body as { job_id: string }).job_id === 'private-callback-1');
  assert.deepEqual(arrivals, [], 'nothing was posted');
});
