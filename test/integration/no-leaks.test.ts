import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { cancelJob, getJob, waitForJob } from '../../src/client-library';
import { workflowIdFor } from '../../src/contract';
import { startHarness, type Harness } from '../helpers/harness';
import { processesWith, waitUntil } from '../helpers/processes';

// Every path on which a browser, a slot or a lease could outlive its job, on real parts: the dev server,
// the local launcher with real Chromium (its fault switch slows or fails calls), one worker whose reaper
// runs every 500 ms. After each path, within the lease TTL and a reaper round, nothing is left.
const LEASE_TTL_MS = 5_000;
let h: Harness;

before(async () => {
  h = await startHarness({ launcher: { faults: true }, leaseTtlMs: LEASE_TTL_MS, reaperIntervalMs: 500 });
});
after(async () => {
  await h?.close();
});

const browsersOf = (profileId: string) =>
  processesWith(`--user-data-dir=${join(h.dataDir, 'profiles', profileId)}`);

/** No browser process, no slot, no open-profile entry and no lease left for the job and its profile. */
async function nothingLeft(jobId: string, profileId: string): Promise<void> {
  await waitUntil(
    async () =>
      browsersOf(profileId).length === 0 &&
      !h.deps.slots.holders().some((s) => s.job_id === jobId) &&
      h.deps.profiles.get(profileId) === undefined &&
      (await h.deps.leases.get(profileId)) === undefined,
    LEASE_TTL_MS + 2_000,
    `nothing of ${jobId} left (browsers ${browsersOf(profileId).length}, slots ${JSON.stringify(h.deps.slots.holders())}, lease ${JSON.stringify(await h.deps.leases.get(profileId))})`,
  );
}

const running = async (jobId: string, step: string) =>
  (await getJob(h.client, jobId)).progress?.current_step === step;

test('a cancel while the launcher is still starting the profile leaves no browser: the stop waits for the start', async () => {
  const profile = 'leak-cancel-start';
  h.launcher.faults!.set(profile, { error: 'DELAY', on: 'start', delay_ms: 3_000 });
  const job = await h.submit({
    job_id: 'leak-cancel-start',
    profile_id: profile,
    task: { name: 'read_title', input: { title: 't' } },
  });
  // The launcher has taken the start call (the fault is used up) and holds it for 3 s.
  await waitUntil(() => h.launcher.faults!.list()[profile] === undefined, 20_000, 'the start call');
  await cancelJob(h.client, job.job_id);
  await assert.rejects(waitForJob(h.client, job.job_id), /cancel/i);
  await nothingLeft(job.job_id, profile);
});

test('a stop that keeps failing keeps the lease (no other job gets the profile); the reaper stops it and frees all', async () => {
  const profile = 'leak-failed-stop';
  h.launcher.faults!.set(profile, { error: 'AGENT_DOWN', on: 'stop', times: 1_000 });
  const first = await h.submit({ job_id: 'leak-failed-stop-1', profile_id: profile });
  // The task ran; the stop failed for good; the job still reports (its output is not lost).
  const result = await waitForJob(h.client, first.job_id);
  assert.deepEqual(result.output, { title: 'hello' });
  const lease = await h.deps.leases.get(profile);
  assert.equal(lease?.job_id, first.job_id, 'the failed stop kept the lease');
  assert.equal(h.deps.profiles.get(profile)?.stop_failed, true);
  assert.ok(browsersOf(profile).length > 0, 'the browser still runs: nobody else may drive it');

  const second = await h.submit({
    job_id: 'leak-failed-stop-2',
    profile_id: profile,
    policies: { acquireLease: { retry: { maximum_attempts: 10 } } },
  });
  await waitUntil(
    async () =>
      (await getJob(h.client, second.job_id)).pending.some((p) => p.step === 'acquireLease' && p.attempt > 1),
    20_000,
    'the second job to wait for the lease',
  );
  assert.equal((await h.deps.leases.get(profile))?.job_id, first.job_id, 'still held for the first job');

  h.launcher.faults!.clear(profile); // the launcher answers again: the reaper's next stop works
  assert.deepEqual((await waitForJob(h.client, second.job_id)).output, { title: 'hello' });
  await nothingLeft(first.job_id, profile);
  await nothingLeft(second.job_id, profile);
});

test('a workflow terminated mid-task leaves no browser, no slot and no lease: the reaper sees its run closed', async () => {
  const profile = 'leak-terminated';
  const job = await h.submit({
    job_id: 'leak-terminated',
    profile_id: profile,
    task: { name: 'hold_browser', input: { ms: 120_000 } },
  });
  await waitUntil(() => running(job.job_id, 'executeTask'), 20_000, 'the task');
  await waitUntil(() => browsersOf(profile).length > 0, 10_000, 'its browser');
  await h.client.workflow.getHandle(workflowIdFor(job.job_id)).terminate('operator terminated it');
  await nothingLeft(job.job_id, profile);
});
