/**
 * A burst of jobs for one profile, on a real Temporal server, with steps that do nothing (what is tested
 * is the profile's queue, not the browser): every job runs, one at a time, in the order submitted, and
 * the queue neither refuses a request nor loses one.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { waitForJob } from '../../src/client-library';
import { profileQueueWorkflowId } from '../../src/contract';
import { noOpSteps } from '../../bench/noop/production-steps';
import { startHarness, type Harness } from '../helpers/harness';

let h: Harness;
/** The job ids in the order their tasks ran. */
const ran: string[] = [];

before(async () => {
  h = await startHarness({
    maxOpenProfiles: 64,
    replaceActivities: (deps) => {
      const steps = noOpSteps(deps);
      return {
        shared: steps.shared,
        host: {
          ...steps.host,
          executeTask: ({ spec }) => {
            ran.push(spec.job_id);
            return Promise.resolve({});
          },
        },
      };
    },
  });
});

after(async () => {
  await h?.close();
});

test('200 jobs submitted at once for one profile all run, one at a time, in submission order', async () => {
  const ids = Array.from({ length: 200 }, (_, i) => `burst-${String(i).padStart(3, '0')}`);
  // Submitted back to back (each submit returns once the run is started and queued), none waited for.
  for (const id of ids) await h.submit({ job_id: id, profile_id: 'burst-profile', callback_url: undefined });
  for (const id of ids) assert.equal((await waitForJob(h.client, id)).status, 'completed', id);
  assert.deepEqual(ran, ids, 'the tasks ran in submission order, each once');
  const queue = await h.client.workflow.getHandle(profileQueueWorkflowId('burst-profile')).fetchHistory();
  assert.ok(
    !(queue.events ?? []).some((e) => e.workflowTaskFailedEventAttributes),
    'no workflow task of the queue failed',
  );
});
