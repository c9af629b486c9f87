import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import {
  backfillSchedule,
  batchOf,
  cancelJob,
  createSchedules,
  describeJobRun,
  describeSchedule,
  fetchTrace,
  getJob,
  listSchedules,
  temporalUiScheduleLink,
  triggerSchedule,
  waitForJob,
  type TraceSpan,
} from '../../src/client-library';
import { runCli as runCliInProcess } from '../../src/cli/run-cli';
import { CHROMIUM_FLAGS } from '../../src/launcher';
import { startTelemetry, type Telemetry } from '../../src/telemetry';
import { startHarness, type Harness } from '../helpers/harness';
import { startJaeger, type Jaeger } from '../helpers/jaeger';
import { waitUntil } from '../helpers/processes';
import { runCliHere } from '../helpers/cli';
import { runCli } from '../helpers/spawn';

// Schedules on the dev server's Temporal Schedules, runs on the harness worker with real Chromium, spans
// read back from a real Jaeger.
let jaeger: Jaeger;
let telemetry: Telemetry;
let h: Harness;
let env: NodeJS.ProcessEnv;
/** The worker's trace link template; the clients here have none. */
const WORKER_TRACE_LINK = 'http://grafana.example/explore?trace={trace_id}';

before(async () => {
  jaeger = await startJaeger();
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = jaeger.otlpHttpEndpoint;
  telemetry = startTelemetry({ serviceName: 'mlx-worker' });
  h = await startHarness({ telemetry, traceUrlTemplate: WORKER_TRACE_LINK });
  env = h.cliEnv;
});
after(async () => {
  await h?.close();
  await telemetry?.shutdown();
  await jaeger?.stop();
});

/** A daily 06:00 Tokyo schedule (UTC+9, no DST: its day starts at 15:00 UTC the day before). */
function definition(id: string, task: { name: string; input: Record<string, unknown> }, extra = {}) {
  return {
    schedule_id: id,
    spec: { cron: '0 6 * * *', time_zone: 'Asia/Tokyo' },
    // Paused, so only trigger and backfill take runs during the test.
    paused: true,
    template: { ...h.jobFields(id), task },
    ...extra,
  };
}

async function create(...definitions: object[]) {
  const result = await createSchedules(h.client, batchOf(definitions), h.startOptions);
  assert.deepEqual(result.invalid, []);
  return result;
}

/** Tokyo's calendar date at `at`, `days` later: worked out apart from the code under test. */
const tokyoDate = (at: Date) => new Date(at.getTime() + 9 * 3600_000).toISOString().slice(0, 10);

const scheduledAt = (jobId: string) => new Date(jobId.slice(jobId.lastIndexOf('-20') + 1));

test('a triggered run is an ordinary job: its job_id, its dates in the zone, its webhook, the schedule id on its spans', async () => {
  await create(definition('tokyo-today', { name: 'read_title', input: { title: 'today' } }));
  await triggerSchedule(h.client, 'tokyo-today');
  let jobId = '';
  await waitUntil(
    async () => {
      jobId = (await describeSchedule(h.client, 'tokyo-today')).recent_runs[0]?.job_id ?? '';
      return jobId !== '';
    },
    30_000,
    'the triggered run',
  );
  assert.match(jobId, /^tokyo-today-\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  const result = await waitForJob(h.client, jobId);
  assert.equal((result.output as { title: string }).title, tokyoDate(scheduledAt(jobId)));
  const delivery = await h.receiver.waitFor(jobId);
  assert.equal((delivery.body as { status: string }).status, 'completed');

  const { trace_id } = await getJob(h.client, jobId);
  assert.ok(trace_id);
  let spans: TraceSpan[] = [];
  await waitUntil(
    async () => {
      await telemetry.spanProcessor.forceFlush();
      spans = await fetchTrace(jaeger.queryUrl, trace_id);
      return ['mlx.job.run', 'mlx.task.execute', 'mlx.webhook.post'].every((n) =>
        spans.some((s) => s.name === n),
      );
    },
    30_000,
    'the run’s spans in Jaeger',
  );
  const jobSpans = spans.filter((s) => s.name.startsWith('mlx.'));
  assert.ok(jobSpans.length >= 7, jobSpans.map((s) => s.name).join(', '));
  for (const span of jobSpans) {
    assert.equal(span.attributes['mlx.schedule_id'], 'tokyo-today', span.name);
    assert.equal(span.attributes['mlx.job_id'], jobId, span.name);
  }
  // The run's details in the Temporal UI (the metadata query the UI asks) link its trace with the
  // worker's template: the schedule's client knew no trace, nor any template.
  const metadata = await h.client.workflow
    .getHandle(`mlx-job-${jobId}`)
    .query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  assert.ok(
    metadata.currentDetails?.includes(`[${trace_id}](${WORKER_TRACE_LINK.replace('{trace_id}', trace_id)})`),
    metadata.currentDetails,
  );

  // `schedule list` shows the last run's outcome with its links.
  // Trace links are printed only with a link template (a local Jaeger has no web UI to link to).
  const listed = await runCliHere(['schedule', 'list', '--json'], {
    ...env,
    MLX_TRACE_URL_TEMPLATE: 'http://127.0.0.1:16686/trace/{trace_id}',
  });
  assert.equal(listed.code, 0, listed.stderr);
  const mine = (JSON.parse(listed.stdout) as Record<string, unknown>[]).find(
    (s) => s.schedule_id === 'tokyo-today',
  );
  const last = mine?.last_run as Record<string, string>;
  assert.equal(last.state, 'completed');
  assert.equal(last.job_id, jobId);
  const runPage = `${h.server.uiUrl}/namespaces/${h.server.namespace}/workflows/${encodeURIComponent(`mlx-job-${jobId}`)}/`;
  assert.ok(last.ui_url?.startsWith(runPage), last.ui_url);
  assert.equal(last.trace_url, `http://127.0.0.1:16686/trace/${trace_id}`);

  // The Temporal UI's schedule page says what the schedule runs.
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: [...CHROMIUM_FLAGS] });
  try {
    const page = await browser.newPage();
    await page.goto(temporalUiScheduleLink(h.server.uiUrl, h.server.namespace, 'tokyo-today'));
    const summary =
      'read_title for client client-42 on shopee_my (profile profile-tokyo-today); dates in Asia/Tokyo';
    await page.getByText(summary).first().waitFor({ timeout: 30_000 });
  } finally {
    await browser.close();
  }
});

test('a backfill over three days runs each day with its own dates and never starts a day twice', async () => {
  await create(definition('tokyo-daily', { name: 'read_title', input: { title: 'yesterday' } }));
  const first = await backfillSchedule(h.client, 'tokyo-daily', { from: '2024-03-01', to: '2024-03-03' });
  // 06:00 in Tokyo is 21:00 UTC the day before.
  const days = ['2024-02-29T21:00:00.000Z', '2024-03-01T21:00:00.000Z', '2024-03-02T21:00:00.000Z'];
  assert.deepEqual(first.to_start, days);
  assert.deepEqual(first.existed, []);
  const jobIds = days.map((d) => `tokyo-daily-${d.replace('.000Z', 'Z')}`);
  const titles = async (ids: string[]) => {
    await waitUntil(
      async () =>
        (await Promise.all(ids.map((id) => describeJobRun(h.client, id)))).every(
          (r) => r.state === 'completed',
        ),
      60_000,
      'the backfilled runs',
    );
    return Promise.all(
      ids.map(async (id) => ((await waitForJob(h.client, id)).output as { title: string }).title),
    );
  };
  assert.deepEqual(
    await titles(jobIds),
    ['2024-02-29', '2024-03-01', '2024-03-02'],
    'yesterday of each scheduled day',
  );

  const again = await backfillSchedule(h.client, 'tokyo-daily', { from: '2024-03-01', to: '2024-03-03' });
  assert.deepEqual(again.to_start, []);
  assert.deepEqual(again.requested, [], 'nothing was asked of Temporal');
  assert.deepEqual(
    again.existed.map((r) => `${r.job_id} ${r.status}`),
    jobIds.map((id) => `${id} COMPLETED`),
  );

  const overlapping = await backfillSchedule(h.client, 'tokyo-daily', {
    from: '2024-03-02',
    to: '2024-03-04',
  });
  assert.deepEqual(
    overlapping.existed.map((r) => r.job_id),
    jobIds.slice(1),
  );
  assert.deepEqual(overlapping.to_start, ['2024-03-03T21:00:00.000Z']);
  assert.deepEqual(await titles(['tokyo-daily-2024-03-03T21:00:00Z']), ['2024-03-03']);
  const schedule = await describeSchedule(h.client, 'tokyo-daily');
  assert.equal(schedule.runs_taken, 4, 'three days, then only the one that had not run');
});

test('overlap skip: a trigger while the previous run is open starts nothing', async () => {
  await create(definition('held', { name: 'wait_until_cancelled', input: {} }));
  await triggerSchedule(h.client, 'held');
  let jobId = '';
  await waitUntil(
    async () => {
      jobId = (await describeSchedule(h.client, 'held')).running[0] ?? '';
      return jobId !== '' && (await getJob(h.client, jobId)).progress?.current_step === 'executeTask';
    },
    30_000,
    'the first run to reach its task',
  );
  await triggerSchedule(h.client, 'held');
  await waitUntil(
    async () => (await describeSchedule(h.client, 'held')).skipped_overlap === 1,
    30_000,
    'the second trigger to be skipped',
  );
  const schedule = await describeSchedule(h.client, 'held');
  assert.equal(schedule.runs_taken, 1);
  assert.deepEqual(schedule.running, [jobId]);
  await cancelJob(h.client, jobId);
  await waitUntil(
    async () => (await describeJobRun(h.client, jobId)).state === 'cancelled',
    30_000,
    'the cancel',
  );
});

test('the CLI creates, lists, pauses (all of a platform), unpauses and deletes schedules', async () => {
  const file = join(h.dataDir, 'schedules.jsonl');
  const shopee = definition(
    'cli-shopee',
    { name: 'read_title', input: { title: 'today-7' } },
    { paused: false },
  );
  const lazada = definition(
    'cli-lazada',
    { name: 'read_title', input: { title: 'today' } },
    { paused: false },
  );
  lazada.template.platform = 'lazada_id';
  writeFileSync(file, [shopee, lazada].map((d) => JSON.stringify(d)).join('\n'));
  const created = await runCliHere(['schedule', 'create', file], env);
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /created schedule cli-shopee/);
  assert.match(created.stdout, /created schedule cli-lazada/);
  const twice = await runCliHere(['schedule', 'create', file], env);
  assert.equal(twice.code, 0);
  assert.match(twice.stdout, /exists {2}schedule cli-shopee: left as it is/);

  // The list is the visibility store's: it shows new schedules a moment later.
  await waitUntil(
    async () =>
      (await listSchedules(h.client, {}, { lastRun: false })).filter((s) => s.schedule_id.startsWith('cli-'))
        .length === 2,
    30_000,
    'both schedules listed',
  );
  const paused = await runCliHere(
    ['schedule', 'pause', '--all', '--platform', 'lazada_id', '--reason', 'Lazada outage'],
    env,
  );
  assert.equal(paused.code, 0, paused.stderr);
  assert.match(paused.stdout, /schedule cli-lazada paused: Lazada outage/);
  assert.doesNotMatch(paused.stdout, /cli-shopee/);
  const lazadaNow = JSON.parse(
    (await runCliHere(['schedule', 'describe', 'cli-lazada', '--json'], env)).stdout,
  ) as {
    paused: boolean;
    note: string;
    next_runs: string[];
  };
  assert.deepEqual([lazadaNow.paused, lazadaNow.note], [true, 'Lazada outage']);
  const shopeeNow = await describeSchedule(h.client, 'cli-shopee');
  assert.equal(shopeeNow.paused, false);
  assert.ok(shopeeNow.next_runs.length > 0, 'an active schedule lists its next runs');
  assert.equal(new Date(shopeeNow.next_runs[0]!).getUTCHours(), 21, '06:00 in Tokyo');

  const unpaused = await runCliHere(['schedule', 'unpause', 'cli-lazada'], env);
  assert.equal(unpaused.code, 0, unpaused.stderr);
  assert.equal((await describeSchedule(h.client, 'cli-lazada')).paused, false);

  for (const id of ['cli-shopee', 'cli-lazada']) {
    const deleted = await runCliHere(['schedule', 'delete', id], env);
    assert.equal(deleted.code, 0, deleted.stderr);
  }
  const gone = await runCli(['schedule', 'describe', 'cli-shopee'], env);
  assert.equal(gone.code, 4);
  assert.match(gone.stderr, /no such schedule/);
});

test('a bad definition is refused before anything is created, every bad field named (exit 2)', async () => {
  const good = definition('would-be-created', { name: 'read_title', input: { title: 'today' } });
  const bad = {
    ...definition('bad one', { name: 'Read Title', input: {} }),
    spec: { cron: '0 25 * * *', time_zone: 'Mars/Olympus' },
    overlap: 'sometimes',
  };
  const file = join(h.dataDir, 'bad.jsonl');
  writeFileSync(file, `${JSON.stringify(good)}\n${JSON.stringify(bad)}\n{oops\n`);
  const run = await runCliHere(['schedule', 'create', file], env);
  assert.equal(run.code, 2);
  for (const field of [
    /line 2: schedule_id: /,
    /line 2: spec\.cron: hour: 25 is outside 0-23/,
    /line 2: spec\.time_zone: must be an IANA time zone/,
    /line 2: overlap: /,
    /line 2: template\.task\.name: /,
    /line 3: not valid JSON/,
  ]) {
    assert.match(run.stderr, field);
  }
  assert.match(run.stderr, /nothing was created/);
  assert.doesNotMatch(run.stderr, /line 1:/);
  const missing = await runCliHere(['schedule', 'describe', 'would-be-created'], env);
  assert.equal(missing.code, 4, 'not found has its own exit code');
});

test('every schedule action has --help', async () => {
  for (const action of ['create', 'list', 'describe', 'pause', 'unpause', 'trigger', 'backfill', 'delete']) {
    const out: string[] = [];
    assert.equal(await runCliInProcess(['schedule', action, '--help'], (line) => out.push(line)), 0, action);
    assert.match(out.join('\n'), new RegExp(`^Usage: mlx-jobs schedule ${action}`), action);
  }
  const all = await runCliHere(['schedule', '--help'], env);
  assert.equal(all.code, 0);
  assert.match(all.stdout, /schedule backfill ID\|--all/);
});
