// Activities: one file per step, built by createActivities(deps) so the worker injects its clients.
import type { Client } from '@temporalio/client';
import { cdpActivities } from './cdp';
import type { ActivityDeps } from './deps';
import { releaseTurn } from '../client-library/profile-turns';
import { inputCheckActivities } from './input-check';
import { leaseActivities, type GiveBackTurn } from './lease';
import { profileActivities } from './profile';
import { profileQueueActivities } from './profile-queue';
import { taskActivities } from './task';
import { webhookActivities } from './webhook';

export type { ActivityDeps } from './deps';

/**
 * Steps any worker may run: they go to the shared task queue (acquireLease to the acquire queue, which a
 * worker polls only while it has room), the check of a run's input and the profile queue's local
 * activities, which need Temporal.
 */
export function createSharedActivities(
  deps: ActivityDeps,
  temporal: Pick<Client, 'workflow' | 'withDeadline'>,
) {
  const giveBackTurn: GiveBackTurn = (input) => releaseTurn(temporal, input);
  return {
    ...inputCheckActivities(deps),
    ...leaseActivities(deps, giveBackTurn),
    ...webhookActivities(deps),
    ...profileQueueActivities(temporal),
  };
}

/** Steps bound to the machine whose browser they drive: they go to the leasing worker's own queue. */
export function createHostActivities(deps: ActivityDeps, temporal: Pick<Client, 'workflow'>) {
  return { ...profileActivities(deps), ...cdpActivities(deps), ...taskActivities(deps, temporal) };
}

export type SharedActivities = ReturnType<typeof createSharedActivities>;
export type HostActivities = ReturnType<typeof createHostActivities>;
export type { LeaseGrant } from './lease';
export { leaseActivities } from './lease';
export { profileQueueActivities, runIsOpen } from './profile-queue';
export type { CdpInfo } from './cdp';
export { checkJobAccess } from './access';
export { driveTask, parseTaskInput } from './drive-task';
export type { TraceRecording } from './trace-recording';
