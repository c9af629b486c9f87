// Activities: one file per step, built by createActivities(deps) so the worker injects its clients.
import { cdpActivities } from './cdp';
import type { ActivityDeps } from './deps';
import { leaseActivities } from './lease';
import { profileActivities } from './profile';
import { taskActivities } from './task';
import { webhookActivities } from './webhook';

export type { ActivityDeps } from './deps';

/** Steps any worker may run: they go to the shared task queue. */
export function createSharedActivities(deps: ActivityDeps) {
  return { ...leaseActivities(deps), ...webhookActivities(deps) };
}

/** Steps bound to the machine whose browser they drive: they go to the leasing worker's own queue. */
export function createHostActivities(deps: ActivityDeps) {
  return { ...profileActivities(deps), ...cdpActivities(deps), ...taskActivities(deps) };
}

export type SharedActivities = ReturnType<typeof createSharedActivities>;
export type HostActivities = ReturnType<typeof createHostActivities>;
export type { LeaseGrant } from './lease';
export type { CdpInfo } from './cdp';
