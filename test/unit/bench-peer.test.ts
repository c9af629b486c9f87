import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Job } from 'bullmq';
import type { SevenSteps } from '../../bench/direct/step-order';
import { PEER_JOB_OPTIONS, peerProcessor } from '../../bench/peer/jobs';
import { withLeaseRenewal } from '../../bench/peer/renewal';
import type { LeaseStore } from '../../src/lease';
import { waitUntil } from '../helpers/processes';

/** Seven steps that record their calls; `failTask` makes the task throw, as a broken page would. */
function recordingSteps(failTask = false): { steps: SevenSteps; calls: string[] } {
  const calls: string[] = [];
  const step =
    <T>(name: string, value: T) =>
    () => {
      calls.push(name);
      return Promise.resolve(value);
    };
  return {
    calls,
    steps: {
      acquireLease: step('acquireLease', 7),
      startProfile: step('startProfile', 9222),
      cdpConnect: step('cdpConnect', { version: 'x', pages: 1 }),
      executeTask: failTask
        ? () => {
            calls.push('executeTask');
            return Promise.reject(new Error('page broke'));
          }
        : step('executeTask', { orders: 1 }),
      stopProfile: step('stopProfile', undefined),
      releaseLease: step('releaseLease', undefined),
      postWebhook: step('postWebhook', undefined),
    },
  };
}

const job = (data: unknown) => ({ id: '1', data }) as Job;

test("the BullMQ peer's processor runs the seven steps of the direct script and returns their times", async () => {
  const { steps, calls } = recordingSteps();
  const times = await peerProcessor(steps)(job({ job_id: 'j1', profile_id: 'p1', input: {} }));
  assert.deepEqual(calls.slice(0, 4), ['acquireLease', 'startProfile', 'cdpConnect', 'executeTask']);
  assert.deepEqual([...calls].sort(), Object.keys(steps).sort(), 'each step once');
  assert.deepEqual(Object.keys(times).sort(), Object.keys(steps).sort());
});

test('a failed attempt of the peer stops the profile and frees the lease, and fails for BullMQ to retry', async () => {
  const { steps, calls } = recordingSteps(true);
  await assert.rejects(
    peerProcessor(steps)(job({ job_id: 'j1', profile_id: 'p1', input: {} })),
    /page broke/,
  );
  assert.deepEqual(calls.slice(-2), ['stopProfile', 'releaseLease']);
  assert.ok(!calls.includes('postWebhook'), 'a failure is thrown, not posted');
  assert.ok(PEER_JOB_OPTIONS.attempts > 1, 'BullMQ retries it');
});

test("a peer job's bad data is refused naming the field", async () => {
  const { steps, calls } = recordingSteps();
  await assert.rejects(peerProcessor(steps)(job({ job_id: '', input: {} })), /job_id.*profile_id/s);
  assert.deepEqual(calls, [], 'no step ran');
});

test('the peer renews its lease while the job runs, and fails the attempt when a renewal found it lost', async () => {
  const extended: [string, number][] = [];
  let kept = true;
  const leases = {
    extend: (profileId: string, token: number) => {
      extended.push([profileId, token]);
      return Promise.resolve(kept);
    },
  } as unknown as LeaseStore;
  const { steps } = recordingSteps();
  const renewing = withLeaseRenewal(steps, leases, 400);
  const run = { job_id: 'j1', profile_id: 'p1' };
  const token = await renewing.acquireLease(run);
  await waitUntil(() => extended.length > 0, 5_000, 'a renewal');
  assert.deepEqual(extended[0], ['p1', 7], 'the profile renewed under its token');
  await renewing.releaseLease(run, token);
  await renewing.acquireLease(run);
  kept = false;
  const seen = extended.length;
  await waitUntil(() => extended.length > seen, 5_000, 'a renewal that finds the lease lost');
  await assert.rejects(renewing.releaseLease(run, token), /lost its lease on p1/);
});
