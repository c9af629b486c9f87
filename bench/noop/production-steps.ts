import type { HostActivities, SharedActivities } from '../../src/activities';

/**
 * The production workflow's steps, each doing nothing: what is left of a job's time is orchestration
 * (the real runJob, its profile turn, the real interceptors and the three task queues of a real worker).
 * releaseLease stays the real one: it also gives the profile's turn back, which is orchestration.
 */
export function noOpSteps(worker: { workerId: string; hostTaskQueue: string }): {
  shared: Partial<SharedActivities>;
  host: Partial<HostActivities>;
} {
  return {
    shared: {
      acquireLease: () =>
        Promise.resolve({
          worker_id: worker.workerId,
          task_queue: worker.hostTaskQueue,
          token: 1,
          expires_at: Date.now() + 60_000,
        }),
      postWebhook: () => Promise.resolve({ status: 204 }),
    },
    host: {
      startProfile: () => Promise.resolve({ port: 0 }),
      cdpConnect: ({ port }) => Promise.resolve({ port, browser_version: 'no-op', pages: 0 }),
      executeTask: () => Promise.resolve({}),
      stopProfile: () => Promise.resolve({ already_stopped: false }),
    },
  };
}
