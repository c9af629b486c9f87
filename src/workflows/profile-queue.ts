import {
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  getExternalWorkflowHandle,
  patched,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { SharedActivities } from '../activities';
import type { ProfileQueueState, TurnAnswer, TurnRequest } from '../contract';
import {
  sameRun,
  TURN_GRANTED_SIGNAL,
  TURN_RELEASED_SIGNAL,
  TURN_REQUEST_UPDATE,
} from '../contract/profile-queue';

/** A job asks for the profile's turn (the job's requestProfileTurn local activity, with start). */
export const requestTurn = defineUpdate<TurnAnswer, [TurnRequest]>(TURN_REQUEST_UPDATE);
/** A job is done with its turn, or stops waiting for it (cancelled, deadline). */
export const turnReleased = defineSignal<[Pick<TurnRequest, 'workflow_id' | 'run_id'>]>(TURN_RELEASED_SIGNAL);
/** Sent to a waiting job when its turn comes. */
export const turnGranted = defineSignal(TURN_GRANTED_SIGNAL);
export const queueQuery = defineQuery<ProfileQueueState>('queue');

/** How often a holder that neither releases nor finishes is checked: a terminated job frees its turn. */
const HOLDER_CHECK_MS = 10_000;
/** A queue with nobody waiting stays this long for the next job, then closes (and is started again). */
const IDLE_MS = 60_000;
/** Past this many history events the queue continues as new, carrying its holder and waiters. */
const HISTORY_LIMIT = 2_000;

const { runIsOpen, grantProfileTurn } = proxyLocalActivities<SharedActivities>({
  startToCloseTimeout: '10 seconds',
});

/**
 * One profile's turns, first come first served (the client asks as it submits, so that is the order of
 * submission): a job that finds the profile
 * free has its turn in the update's answer; one that waits is told by a signal the moment the profile
 * is free, so the next job starts right after the previous one releases, and nobody polls while it waits. The Redis lease stays the guard on the host; this queue
 * only makes waiting fair and free.
 */
export async function profileQueue(state: ProfileQueueState): Promise<void> {
  let holder = state.holder;
  const waiting = [...state.waiting];
  // Asked again (a retried request), a job gets the same answer.
  setHandler(requestTurn, (request): TurnAnswer => {
    const behind = holder ? 1 : 0;
    if (holder && sameRun(holder, request)) return { granted: true, ahead: 0 };
    const queued = waiting.findIndex((w) => sameRun(w, request));
    if (queued >= 0) return { granted: false, ahead: behind + queued };
    if (!holder && waiting.length === 0) {
      holder = request;
      return { granted: true, ahead: 0 };
    }
    waiting.push(request);
    return { granted: false, ahead: behind + waiting.length - 1 };
  });
  setHandler(turnReleased, (run) => {
    if (holder && sameRun(holder, run)) holder = undefined;
    else {
      const at = waiting.findIndex((w) => sameRun(w, run));
      if (at >= 0) waiting.splice(at, 1);
    }
  });
  setHandler(queueQuery, () => ({ profile_id: state.profile_id, holder, waiting: [...waiting] }));

  for (;;) {
    if (workflowInfo().historyLength > HISTORY_LIMIT) {
      await continueAsNew<typeof profileQueue>({ profile_id: state.profile_id, holder, waiting });
    }
    if (!holder) {
      const next = waiting.shift();
      if (!next) {
        if (!(await condition(() => waiting.length > 0 || holder !== undefined, IDLE_MS))) return;
        continue;
      }
      // Held from now, so no request answered while the signal is on its way takes the turn too.
      holder = next;
      // Since `turn-granted-by-activity` the signal goes from a local activity, which also tells a run
      // that is gone from one that could not be reached (it retries those); a signal the workflow sends
      // itself is recorded as sent in a workflow task of its own.
      const told = patched('turn-granted-by-activity')
        ? await grantProfileTurn(next)
        : await getExternalWorkflowHandle(next.workflow_id, next.run_id)
            .signal(turnGranted)
            .then(
              () => true,
              () => false,
            );
      // false: that run is gone (closed before its turn), and the next one gets it.
      if (!told && holder === next) holder = undefined;
      continue;
    }
    const current = holder;
    if (!(await condition(() => holder !== current, HOLDER_CHECK_MS))) {
      if (!(await runIsOpen(current))) holder = undefined;
    }
  }
}
