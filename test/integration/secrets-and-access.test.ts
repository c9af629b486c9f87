import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { getJob, jobFailureOf, startJob, waitForJob, type StartJobOptions } from '../../src/client-library';
import { errorTypeOf } from '../../src/contract';
import { startSellerCentre, type SellerCentre } from '../../src/demo/seller-centre';
import { createLauncherClient } from '../../src/mlx';
import { createEncryptionCodec, createKeyRing } from '../../src/payload-codec';
import { loopbackCredential, TEST_CLIENT } from '../helpers/credentials';
import { WEBHOOK_SECRET, type Harness } from '../helpers/harness';
import { decodedHistoryText } from '../helpers/history';
import type { Jaeger } from '../helpers/jaeger';
import { startTracedHarness, type TracedHarness } from '../helpers/traced-harness';
import { TEST_PAYLOAD_KEY } from '../helpers/payload';
import { waitUntil } from '../helpers/processes';
import { rawFillErrors } from '../helpers/test-tasks';

// Issue 14 on real parts: a real Chromium behind the local launcher, a real Temporal dev server, spans
// exported to a real Jaeger and read back, the worker's real log lines, the webhooks as they arrived.
const PASSWORD = 'planted-Pa55word"&ü%/';
const USERNAME = 'planted-user-7734';
const OTHER_PASSWORD = 'other-client-password-5521';
/** A receiver's credential in its webhook URL's path, as chat and CI webhooks carry theirs. */
const HOOK_TOKEN = 'hook-path-token-8d1f3a';
/** The launcher's bearer token: in a header of every call the HTTP spans record. */
const LAUNCHER_TOKEN = 'launcher-token-4c9e27';
/** Page text, not a secret the worker knows (nothing can redact it): only encryption keeps it out of history. */
const PAGE_TEXT = 'buyer-note-planted-7781';

let traced: TracedHarness;
let site: SellerCentre;
let elsewhere: SellerCentre;
let page: Server;
let pageUrl: string;
let h: Harness;
let jaeger: Jaeger;
let logLines: string[];

before(async () => {
  site = await startSellerCentre({ accounts: { [USERNAME]: PASSWORD } });
  elsewhere = await startSellerCentre({ accounts: {} });
  page = createServer((_, res) => res.end(`<html><body>Order note: ${PAGE_TEXT}</body></html>`));
  await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
  pageUrl = `http://127.0.0.1:${(page.address() as AddressInfo).port}/`;
  traced = await startTracedHarness({
    secrets: {
      'shop-42': loopbackCredential(site.url, { username: USERNAME, password: PASSWORD }),
      'shop-43': loopbackCredential(site.url, { username: 'other-user-5518', password: OTHER_PASSWORD }, [
        'client-43',
      ]),
    },
    // Every profile of the harness's folder is client-42's; folder-43's are client-43's.
    profileOwners: { profiles: {}, folders: { 'folder-test': TEST_CLIENT, 'folder-43': 'client-43' } },
    launcher: { token: LAUNCHER_TOKEN },
    launcherClient: (baseUrl) => createLauncherClient({ baseUrl, token: LAUNCHER_TOKEN }),
  });
  ({ h, jaeger, logLines } = traced);
});
after(async () => {
  await traced?.close();
  await site?.close();
  await elsewhere?.close();
  page?.closeAllConnections();
  await new Promise((resolve) => page?.close(resolve));
});

const syncInput = (account: string, url = site.url) => ({
  name: 'sync_orders',
  input: { seller_centre_url: url, account, from: '2024-01-01', to: '2024-01-05' },
});

/** The start options without the client's profile check: what a client that skips it would send. */
const unchecked = (): StartJobOptions => ({ ...h.startOptions, profileOwners: undefined });

async function failedJob(jobId: string, spec: Record<string, unknown>) {
  const started = await startJob(h.client, { job_id: jobId, ...h.jobFields(jobId), ...spec }, unchecked());
  const failure = await waitForJob(h.client, started.job_id).then(
    () => assert.fail(`${jobId} completed`),
    (err: unknown) => jobFailureOf(err),
  );
  return { failure, job: await getJob(h.client, jobId) };
}

test("a job for one client can use neither another client's profile nor its credential", async () => {
  // At submit: the client knows who owns which profile and refuses before anything starts.
  await assert.rejects(
    h.submit({ job_id: 'access-other-profile', client_id: 'client-43', task: syncInput('shop-43') }),
    (err: unknown) =>
      errorTypeOf(err) === 'JobSpecInvalid' &&
      /profile_id: profile profile-access-other-profile is not one of client client-43's profiles/.test(
        (err as Error).message,
      ),
  );
  await assert.rejects(getJob(h.client, 'access-other-profile'), /not found/i, 'nothing was started');

  // On the worker, for a client that skipped the check: refused before the browser starts.
  const profile = await failedJob('access-profile-worker', {
    client_id: 'client-43',
    task: syncInput('shop-43'),
  });
  assert.equal(profile.failure.type, 'ProfileNotAllowed');
  assert.equal(profile.failure.step, 'startProfile');
  assert.equal(h.launcher.runningProfiles().length, 0);
  assert.deepEqual(
    profile.job.progress?.steps.map((s) => s.step).filter((s) => s === 'cdpConnect' || s === 'executeTask'),
    [],
    'no browser was started or driven',
  );

  // Client 42 naming client 43's credential, on its own profile.
  const credential = await failedJob('access-other-credential', { task: syncInput('shop-43') });
  assert.equal(credential.failure.type, 'CredentialNotAllowed');
  assert.equal(credential.failure.step, 'startProfile');
  assert.match(credential.failure.message, /credential "shop-43" is not one client client-42 may use/);

  // Its own credential, typed into a site the credential does not list.
  const origin = await failedJob('access-other-origin', { task: syncInput('shop-42', elsewhere.url) });
  assert.equal(origin.failure.type, 'CredentialNotAllowed');
  assert.match(origin.failure.message, new RegExp(`may not be typed into ${new URL(elsewhere.url).origin}`));

  // Allowed at start, then the task's main frame tries to leave the credential's origins.
  const away = await failedJob('access-navigate-away', {
    task: {
      name: 'navigate_away',
      input: { account: 'shop-42', site: site.url, away: `${elsewhere.url}/login` },
    },
  });
  assert.equal(away.failure.type, 'CredentialNotAllowed');
  assert.equal(away.failure.step, 'executeTask');
  assert.match(away.failure.message, new RegExp(`navigated to ${new URL(elsewhere.url).origin}`));
});

test("naming one's own folder never opens another client's profile", async () => {
  // Client 42's profile, started once in its folder: its directory now holds 42's session.
  const launcher = createLauncherClient({
    baseUrl: h.launcher.url,
    token: LAUNCHER_TOKEN,
    timeoutMs: 20_000,
  });
  await launcher.startProfile({ folderId: 'folder-test', profileId: 'profile-tenant-42', headless: true });
  await launcher.stopProfile('profile-tenant-42');

  // Client 43 names its own folder and 42's profile: every owner check passes (folder-43 is 43's), so
  // the launcher is what must refuse, as MLX does for a profile outside the folder named.
  const across = await failedJob('tenant-across-folders', {
    client_id: 'client-43',
    folder_id: 'folder-43',
    profile_id: 'profile-tenant-42',
    task: syncInput('shop-43'),
  });
  assert.equal(across.failure.type, 'ProfileNotAllowed');
  assert.equal(across.failure.step, 'startProfile');
  assert.match(across.failure.message, /profile profile-tenant-42 is not in folder folder-43/);
  assert.equal(h.launcher.runningProfiles().length, 0, 'no browser opened the profile');
});

test('a planted secret is nowhere: decoded history, Jaeger spans, worker logs, webhook bodies', async (t) => {
  // The succeeding job reports to a URL whose path is a credential; the failing one to a receiver that
  // refuses every delivery, so the URL is in a failed delivery's message too.
  const hookPath = `/services/T/B/${HOOK_TOKEN}`;
  const refusedBodies: string[] = [];
  const refusing = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      refusedBodies.push(body);
      res.writeHead(403).end();
    });
  });
  await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => refusing.close(resolve)));
  const refusingUrl = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}`;
  const ok = await h.submit({
    job_id: 'planted-ok',
    task: syncInput('shop-42'),
    callback_url: new URL(hookPath, h.receiver.url).href,
  });
  const result = await waitForJob(h.client, ok.job_id);
  assert.ok((result.output as { count: number }).count > 0, 'the job signed in with the password');
  const failing = await h.submit({
    job_id: 'planted-fail',
    task: { name: 'fill_disabled', input: { account: 'shop-42', site: site.url } },
    callback_url: `${refusingUrl}${hookPath}`,
  });
  const failure = await waitForJob(h.client, failing.job_id).then(
    () => assert.fail('fill_disabled completed'),
    (err: unknown) => jobFailureOf(err),
  );
  assert.equal(failure.type, 'TaskFailed');
  assert.match(
    failure.message,
    /locator\.fill: Timeout 500ms exceeded \(waiting for locator\('#password'\)\)/,
  );
  // The test means something only if the raw error quoted the password.
  assert.ok(
    rawFillErrors.some((e) => e.includes(PASSWORD)),
    "Playwright's own error quoted the password",
  );
  // Page text in a failure message: the step's failure and the job's, both in history.
  const quoting = await h.submit({
    job_id: 'planted-page',
    task: { name: 'page_text_fails', input: { site: pageUrl } },
  });
  const quoted = await waitForJob(h.client, quoting.job_id).then(
    () => assert.fail('page_text_fails completed'),
    (err: unknown) => jobFailureOf(err),
  );
  assert.equal(quoted.message, `the page said: Order note: ${PAGE_TEXT}`, 'the client reads the message');
  assert.match((await getJob(h.client, quoting.job_id)).failure?.message ?? '', new RegExp(PAGE_TEXT));
  await h.receiver.waitFor(ok.job_id);
  const refused = await getJob(h.client, failing.job_id);
  assert.equal(
    refused.progress?.steps.find((s) => s.step === 'postWebhook')?.failure_type,
    'WebhookRejected',
  );

  const texts: Record<string, string> = {};
  const codec = createEncryptionCodec(createKeyRing([TEST_PAYLOAD_KEY]));
  for (const jobId of [ok.job_id, failing.job_id]) {
    const { raw, decoded } = await decodedHistoryText(h.client, jobId, codec);
    assert.match(decoded, /sync_orders|fill_disabled/, 'the decoded history is readable');
    texts[`${jobId} history (raw)`] = raw;
    texts[`${jobId} history (decoded)`] = decoded;
    const { trace_id } = await getJob(h.client, jobId);
    assert.ok(trace_id);
    let trace = '';
    await waitUntil(
      async () => {
        await traced.flush();
        const answer = await fetch(`${jaeger.queryUrl}/api/v3/traces/${trace_id}`);
        trace = answer.ok ? await answer.text() : '';
        const delivered = jobId === ok.job_id ? 'mlx.webhook.receive' : 'mlx.webhook.post';
        return trace.includes(delivered) && trace.includes('mlx.task.execute');
      },
      30_000,
      `the trace of ${jobId} in Jaeger`,
    );
    texts[`${jobId} spans`] = trace;
  }
  assert.match(texts['planted-fail spans']!, /locator\.fill: Timeout/, 'the spans hold the fixed failure');
  assert.match(
    texts['planted-ok spans']!,
    /\/api\/v2\/profile\/f\//,
    "the spans hold the launcher's HTTP call",
  );
  texts['worker log'] = logLines.join('\n');
  assert.match(texts['worker log'], /task failed/);
  assert.match(texts['worker log'], /webhook delivered/);
  // The decoded history holds the URL where the delivery needs it (the spec, the step's input); its
  // failure message names the receiver by host only.
  const refusal = /webhook [^"\\]*: delivery failed: 403/.exec(texts['planted-fail history (decoded)']!);
  assert.ok(refusal, 'the refused delivery is in the history');
  assert.doesNotMatch(refusal[0], new RegExp(HOOK_TOKEN));
  texts['webhook bodies'] = JSON.stringify([
    ...h.receiver.arrivals().map((d) => d.body),
    ...refusedBodies.map((b) => JSON.parse(b) as unknown),
  ]);
  assert.match(texts['webhook bodies'], /planted-fail/);

  const planted = [
    PASSWORD,
    USERNAME,
    OTHER_PASSWORD,
    WEBHOOK_SECRET,
    TEST_PAYLOAD_KEY.key.toString('base64'),
    HOOK_TOKEN,
    LAUNCHER_TOKEN,
  ];
  const spellings = planted.flatMap((s) => [s, JSON.stringify(s).slice(1, -1), encodeURIComponent(s)]);
  const hits = Object.entries(texts).flatMap(([where, text]) =>
    spellings
      .filter((s) => text.includes(s) && !(where.endsWith('(decoded)') && s === HOOK_TOKEN))
      .map((s) => `${where}: ${s.slice(0, 6)}…`),
  );
  assert.deepEqual(hits, []);

  // Failure messages and stack traces are encrypted: the page text is in the decoded history (there to
  // be found), in no raw history.
  const { raw, decoded } = await decodedHistoryText(h.client, quoting.job_id, codec);
  assert.match(decoded, new RegExp(PAGE_TEXT), 'decoded, the history holds the page text');
  assert.ok(!raw.includes(PAGE_TEXT), 'the raw history holds no page text');
  assert.doesNotMatch(raw, /\.ts:\d+:\d+/, 'no stack trace in clear');
});
