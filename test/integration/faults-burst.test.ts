import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { followJobs, startJob } from '../../src/client-library';
import { type StepPolicies } from '../../src/contract';
import { DEFAULT_POLICY_BOUNDS, DEFAULT_STEP_POLICIES } from '../../src/policies';
import { createLogger } from '../../src/telemetry';
import { startHarness, type Harness } from '../helpers/harness';
import { countedRuns } from '../helpers/test-tasks';

// Faults 5 and 6 of the reliability suite (docs/reliability.md): a burst of submissions through the
// client library, some of them duplicates, and a pile-up on one profile, against one worker (8 slots)
// with real Chromium.
let h: Harness;
const launcherLines: string[] = [];

before(async () => {
  h = await startHarness({
    launcher: { log: createLogger({ level: 'info', write: (line) => launcherLines.push(line) }) },
  });
});
after(async () => {
  await h?.close();
});

// The harness's short retry intervals, with the default time limits and attempt counts: 25 Chromium
// starts at once on two cores can outlast the harness's one-minute caps and its two attempts (a CI run saw one
// cdpConnect time out twice), and a step given up by the test's tighter policy is not a lost job.
const burstPolicies = (): StepPolicies =>
  Object.fromEntries(
    Object.entries(h.policies).map(([step, policy]) => {
      const defaults = DEFAULT_STEP_POLICIES[step as keyof StepPolicies];
      return [
        step,
        {
          ...policy,
          schedule_to_close_ms: defaults.schedule_to_close_ms,
          retry: { ...policy.retry, maximum_attempts: defaults.retry.maximum_attempts },
        },
      ];
    }),
  ) as StepPolicies;

const launcherStarts = (profileId: string) =>
  launcherLines.filter((l) => l.includes('"profile started"') && l.includes(`"profile_id":"${profileId}"`));

test('a burst of 200 submissions of 25 job ids, each sent eight times: each job runs its task once and ends once', async () => {
  // 200 submissions at once: 25 distinct job ids, each sent eight times (interleaved, so the copies of an
  // id race each other to the server). Every job starts a real Chromium on its own profile, and 25 jobs
  // on 8 slots wait in the acquire queue.
  const distinct = Array.from({ length: 25 }, (_, i) => `burst-${i}`);
  const submissions = Array.from({ length: 8 }, () => distinct).flat();
  for (let i = submissions.length - 1; i > 0; i--) {
    const j = (i * 7919) % (i + 1); // a fixed shuffle: duplicates land far from their originals
    [submissions[i], submissions[j]] = [submissions[j]!, submissions[i]!];
  }
  assert.equal(submissions.length, 200);
  assert.equal(submissions.length - new Set(submissions).size, 175);
  const started = await Promise.all(
    submissions.map((jobId) =>
      startJob(
        h.client,
        {
          ...h.jobFields(jobId),
          job_id: jobId,
          task: { name: 'counted_hold', input: { ms: 0 } },
        },
        {
          ...h.startOptions,
          policy: { policies: burstPolicies(), bounds: DEFAULT_POLICY_BOUNDS },
          deadLetterRetentionMs: 0,
        },
      ),
    ),
  );
  const created = started.filter((s) => s.created);
  assert.equal(created.length, distinct.length, 'one run per distinct job id');
  for (const id of distinct) {
    const runs = new Set(started.filter((s) => s.job_id === id).map((s) => s.run_id));
    assert.equal(runs.size, 1, `${id}: a duplicate submission gets the same run back`);
  }

  const { tally, outcomes } = await followJobs(h.client, distinct, {
    concurrency: 8,
    signal: AbortSignal.timeout(900_000),
  });
  assert.deepEqual(
    { completed: tally.completed, running: tally.running },
    { completed: distinct.length, running: 0 },
    `every job ended completed: ${JSON.stringify([...outcomes].filter(([, o]) => o.state !== 'completed'))}`,
  );
  for (const id of distinct) {
    assert.equal(countedRuns.get(id), 1, `${id}: the task ran once`);
    assert.equal(launcherStarts(`profile-${id}`).length, 1, `${id}: its profile was started once`);
    // A delivery whose answer came too late is sent again under the same key: the receiver keeps one.
    const kept = h.receiver.deliveries().filter((d) => (d.body as { job_id: string }).job_id === id);
    assert.equal(kept.length, 1, `${id}: one report`);
  }
  assert.equal(launcherLines.filter((l) => l.includes('"profile started"')).length, distinct.length);
  assert.equal(h.launcher.runningProfiles().length, 0, 'no browser left');
  assert.deepEqual(await h.deps.leases.list(), [], 'no lease left');
  assert.deepEqual(h.deps.slots.holders(), [], 'no slot left');
});

test('twenty jobs for one profile submitted back to back run one at a time, in submission order, and all complete', async () => {
  const profile = 'pile-up-profile';
  const ids = Array.from({ length: 20 }, (_, i) => `pile-up-${String(i).padStart(2, '0')}`);
  for (const id of ids) {
    await startJob(
      h.client,
      {
        ...h.jobFields(id),
        job_id: id,
        profile_id: profile,
        task: { name: 'counted_hold', input: { ms: 0 } },
      },
      h.startOptions,
    );
  }
  const { tally } = await followJobs(h.client, ids, { concurrency: 4, signal: AbortSignal.timeout(600_000) });
  assert.equal(tally.completed, ids.length, 'all completed');
  // counted_hold records each run as it starts: the order of first runs is the order the tasks ran.
  const ran = [...countedRuns.keys()].filter((id) => id.startsWith('pile-up-'));
  assert.deepEqual(ran, ids, 'the tasks ran in submission order');
  assert.ok(
    ids.every((id) => countedRuns.get(id) === 1),
    'each task ran once',
  );
  // One at a time, on the launcher's own timeline: every start of the profile is followed by its stop
  // before the next start.
  const timeline = launcherLines
    .filter((l) => l.includes(`"profile_id":"${profile}"`))
    .map((l) => (l.includes('"profile started"') ? 'start' : l.includes('"profile stopped"') ? 'stop' : ''))
    .filter(Boolean);
  assert.deepEqual(
    timeline,
    ids.flatMap(() => ['start', 'stop']),
    'never two browsers of the profile at once',
  );
});
