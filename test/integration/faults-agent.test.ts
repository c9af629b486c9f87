import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { getJob, waitForJob } from '../../src/client-library';
import { createLauncherClient } from '../../src/mlx';
import { startAgentProcess } from '../helpers/agent';
import { startHarness, type Harness } from '../helpers/harness';
import { processesWith, waitUntil } from '../helpers/processes';

// Fault 4 of the reliability suite (docs/reliability.md): the MLX agent hangs (SIGSTOP) while it starts
// a profile, and resumes (SIGCONT) later. startProfile's start-to-close timeout fires, the step is
// retried, the job completes; the start that completed late leaves no browser nobody owns.
let dir: string;
let agent: ChildProcess | undefined;
let agentUrl: string;
let auth: Record<string, string>;
let h: Harness;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mlx-faults-agent-'));
  const started = await startAgentProcess(dir, ['--faults']);
  agent = started.child;
  agentUrl = started.url;
  auth = { authorization: `Bearer ${started.token}` };
  h = await startHarness({
    launcherClient: () => createLauncherClient({ baseUrl: agentUrl, token: started.token }),
  });
});
after(async () => {
  agent?.kill('SIGCONT');
  await h?.close();
  agent?.kill('SIGTERM');
  for (const p of processesWith(dir)) process.kill(p.pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const browsersOf = (profileId: string) =>
  processesWith(`--user-data-dir=${join(dir, 'profiles', profileId)}`);
const armedFaults = async () =>
  Object.keys(
    ((await (await fetch(`${agentUrl}/_faults`, { headers: auth })).json()) as { data: object }).data,
  );

test('the MLX agent hangs during a start: the step times out and is retried, the job completes, no late start leaves a browser', async () => {
  const profile = 'agent-hangs';
  // The agent takes the start and holds it a moment, long enough to freeze it in the middle.
  const armed = await fetch(`${agentUrl}/_faults/p/${profile}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth },
    body: JSON.stringify({ error: 'DELAY', on: 'start', delay_ms: 1_000 }),
  });
  assert.equal(armed.status, 200, await armed.text());
  const job = await h.submit({
    job_id: 'agent-hangs',
    profile_id: profile,
    policies: {
      startProfile: {
        start_to_close_ms: 3_000,
        retry: { initial_interval_ms: 100, maximum_interval_ms: 500, maximum_attempts: 5 },
      },
    },
  });
  await waitUntil(async () => (await armedFaults()).length === 0, 30_000, 'the agent to take the start');
  agent!.kill('SIGSTOP');
  try {
    await waitUntil(
      async () =>
        (await getJob(h.client, job.job_id)).pending.some(
          (p) => p.step === 'startProfile' && p.attempt >= 2 && /timeout/i.test(p.last_failure ?? ''),
        ),
      30_000,
      'startProfile to time out and be retried',
    );
  } finally {
    agent!.kill('SIGCONT');
  }

  const result = await waitForJob(h.client, job.job_id);
  assert.deepEqual(result.output, { title: 'hello' });
  // Every start the agent finished (the held one too) was stopped: no browser of the profile is left,
  // and the agent reports none running.
  await waitUntil(() => browsersOf(profile).length === 0, 10_000, 'no browser of the profile left');
  const { states } = await h.deps.launcher.statuses();
  assert.ok(
    Object.values(states).every((state) => state.status === 'stopped'),
    `the agent runs nothing: ${JSON.stringify(states)}`,
  );
  assert.deepEqual(await h.deps.leases.list(), [], 'no lease left');
  assert.deepEqual(h.deps.slots.holders(), [], 'no slot left');
});
