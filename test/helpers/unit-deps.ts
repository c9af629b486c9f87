import { createKeptConnections } from '../../src/cdp';
import type { ActivityDeps } from '../../src/activities';
import { createMemoryLeaseStore } from '../../src/lease';
import { silentLogger } from '../../src/telemetry';
import type { LauncherClient } from '../../src/mlx';
import {
  createLeaseRecords,
  createOpenProfiles,
  createPendingQuestions,
  createProfileSlots,
} from '../../src/host';
import { createTaskRegistry } from '../../src/tasks';
import { testTasks } from './test-tasks';

/** A launcher that starts and stops instantly: for unit tests of activities that do not drive a browser. */
export const instantLauncher: LauncherClient = {
  startProfile: () => Promise.resolve({ port: 9222 }),
  stopProfile: () => Promise.resolve({ alreadyStopped: false }),
  statuses: () => Promise.resolve({ states: {} }),
  status: () => Promise.reject(new Error('not used by these tests')),
  version: () => Promise.resolve({ version: 'fake' }),
};

/** A task with no credentials, for unit tests of host steps that check the job's access first. */
export const UNIT_TASK = { name: 'read_title', input: { title: 'unit' } };

/** Activity dependencies of one worker "w1" with an in-memory lease store and the test tasks. */
export function unitDeps(overrides: Partial<ActivityDeps> = {}): ActivityDeps {
  return {
    workerId: 'w1',
    hostTaskQueue: 'q@w1',
    leases: createMemoryLeaseStore(),
    leaseTtlMs: 60_000,
    launcher: instantLauncher,
    launcherShared: false,
    profiles: createOpenProfiles(),
    slots: createProfileSlots(4),
    leaseRecords: createLeaseRecords(),
    headless: true,
    connections: createKeptConnections(),
    questions: createPendingQuestions(),
    cdpHost: '127.0.0.1',
    tasks: createTaskRegistry(testTasks),
    secrets: { get: () => undefined } as unknown as ActivityDeps['secrets'],
    webhookTimeoutMs: 1_000,
    artifactsDir: '/tmp',
    log: silentLogger,
    ...overrides,
  };
}
