import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { getJob, waitForJob } from '../../src/client-library';
import { startHarness, type Harness } from '../helpers/harness';
import { processesWith, waitUntil } from '../helpers/processes';
import { countedRuns } from '../helpers/test-tasks';

// Fault 2 of the reliability suite (docs/reliability.md): the profile's Chromium is SIGKILLed (its whole
// process group) while the task drives it. The task fails as BrowserCrashed, the job stops the profile,
// starts it again and completes; nothing of the dead browser is left.
let h: Harness;

before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.close();
});

/** Every process that names the profile's directory: the browser, its helpers, a crash handler. */
const processesOf = (profileId: string) => processesWith(join(h.dataDir, 'profiles', profileId));
/** The browser process itself (its helpers carry --type=…). */
const mainBrowser = (profileId: string) =>
  processesWith(`--user-data-dir=${join(h.dataDir, 'profiles', profileId)}`).find(
    (p) => !p.args.some((arg) => arg.startsWith('--type=')),
  );

test('Chromium killed mid-task: the step fails as BrowserCrashed, the profile is started again and the job completes', async () => {
  const profile = 'browser-killed';
  const job = await h.submit({
    job_id: 'browser-killed',
    profile_id: profile,
    task: { name: 'counted_hold', input: { ms: 3_000 } },
  });
  await waitUntil(() => countedRuns.get(job.job_id) === 1, 60_000, 'the task to run');
  const browser = mainBrowser(profile);
  assert.ok(browser, 'the profile has a browser');
  process.kill(-browser.pid, 'SIGKILL'); // its process group: the browser and every helper

  const result = await waitForJob(h.client, job.job_id);
  assert.equal(result.status, 'completed');
  assert.equal(countedRuns.get(job.job_id), 2, 'the task ran again, on a fresh browser');
  const steps = (await getJob(h.client, job.job_id)).progress?.steps ?? [];
  const task = steps.filter((s) => s.step === 'executeTask');
  assert.deepEqual(
    task.map((s) => [s.status, s.failure_type]),
    [
      ['failed', 'BrowserCrashed'],
      ['completed', undefined],
    ],
    'one failed attempt, typed; not retried in place on the dead port',
  );
  assert.equal(steps.filter((s) => s.step === 'startProfile' && s.status === 'completed').length, 2);
  assert.equal(steps.filter((s) => s.step === 'stopProfile' && s.status === 'completed').length, 2);

  await waitUntil(() => processesOf(profile).length === 0, 10_000, 'no process of the profile left');
  assert.equal(h.launcher.runningProfiles().length, 0);
  assert.deepEqual(await h.deps.leases.list(), [], 'no lease left');
  assert.deepEqual(h.deps.slots.holders(), [], 'no slot left');
});
