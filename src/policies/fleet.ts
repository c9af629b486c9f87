/**
 * How the fleet shares jobs: a job whose host is lost moves to another worker (at most
 * MAX_HOST_FAILOVERS times), and a job that finds every worker full waits for a slot.
 */
import { ActivityFailure, ApplicationFailure, TemporalFailure, TimeoutFailure } from '@temporalio/workflow';
import type { ErrorType } from '../contract';

/** A full worker asks for the job again this soon, whatever the lease backoff: a slot may free at once. */
export const CAPACITY_RETRY_DELAY_MS = 1_000;
/**
 * The longest pause between two rounds of acquireLease when a policy bounds its attempts and every one
 * met a full worker (the pause starts at CAPACITY_RETRY_DELAY_MS and doubles).
 */
export const CAPACITY_BACKOFF_MAX_MS = 30_000;

/**
 * How many times one job may move to another worker after losing its host (so at most
 * MAX_HOST_FAILOVERS + 1 hosts per job). A constant, not a policy: it is part of the workflow's logic.
 */
export const MAX_HOST_FAILOVERS = 2;

const HOST_LOST_TYPES: ReadonlySet<string> = new Set<ErrorType>(['CdpUnreachable', 'LeaseLost']);

/**
 * True when a host step failed because its host is gone, not because of the step itself: the worker
 * stopped heartbeating (executeTask), nobody picked the step up from the host's queue (schedule-to-start),
 * the browser the task was to drive no longer answers (the host restarted and stopped its orphans), or
 * the host lost the job's lease (expired, taken over, not renewable in time) and stopped driving.
 */
export function isHostLost(err: unknown): boolean {
  for (let failure: unknown = err; failure instanceof TemporalFailure; failure = failure.cause) {
    if (failure instanceof TimeoutFailure)
      return failure.timeoutType === 'HEARTBEAT' || failure.timeoutType === 'SCHEDULE_TO_START';
    if (failure instanceof ApplicationFailure) return HOST_LOST_TYPES.has(failure.type ?? '');
  }
  return false;
}

/**
 * True when the task failed because the profile's browser died under it (crashed, killed, its CDP
 * connection dropped): the host is fine, but the attempt needs a fresh browser, so the job stops the
 * profile and runs the attempt again from the lease (at most MAX_HOST_FAILOVERS times, shared with host
 * failovers).
 */
export function isBrowserCrashed(err: unknown): boolean {
  return (
    err instanceof ActivityFailure &&
    err.cause instanceof ApplicationFailure &&
    err.cause.type === ('BrowserCrashed' satisfies ErrorType)
  );
}

/** True when an acquireLease activity ran out of attempts only because the workers it reached were full. */
export function isAtCapacity(err: unknown): boolean {
  return (
    err instanceof ActivityFailure &&
    err.cause instanceof ApplicationFailure &&
    err.cause.type === ('WorkerAtCapacity' satisfies ErrorType)
  );
}
