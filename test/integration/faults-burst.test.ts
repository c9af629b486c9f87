import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { followJobs, startJob } from '../../src/client-library';
import { createLogger } from '../../src/telemetry';
import { startHarness, type Harness } from '../helpers/harness';
import { countedRuns } from '../helpers/test-tasks';

// Fault 5 of the reliability suite (docs/reliability.md): a burst of submissions through the client
// library, many of them duplicates, against one worker with real Chromium.
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

const launcherStarts = (profileId: string) =>
  launcherLines.filter((l) => l.includes('"profile started"') && l.includes(`"profile_id":"${profileId}"`));

test('a burst of 200 submissions over 20 job ids, each sent ten times: each job runs its task once and ends once', async () => {
  // 200 submissions at once, every job id among them ten times (interleaved, so duplicates race each
  // other to the server). Each job starts a real Chromium: 20 keep the burst within a 2-core machine.
  const distinct = Array.from({ length: 20 }, (_, i) => `burst-${i}`);
  const submissions = Array.from({ length: 10 }, () => distinct).flat();
  assert.equal(submissions.length, 200);
  const started = await Promise.all(
    submissions.map((jobId) =>
      startJob(
        h.client,
        {
          ...h.jobFields(jobId),
          job_id: jobId,
          task: { name: 'counted_hold', input: { ms: 0 } },
          // 20 jobs share 8 slots: the wait for a slot must outlast the burst.
          policies: { acquireLease: { schedule_to_close_ms: 10 * 60_000 } },
        },
        { ...h.startOptions, deadLetterRetentionMs: 0 },
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
    signal: AbortSignal.timeout(200_000),
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
