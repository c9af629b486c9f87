import {
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { SharedActivities } from '../activities';
import {
  QUEUE_QUERY,
  TURN_ENQUEUE_SIGNAL,
  TURN_GRANTED_SIGNAL,
  TURN_QUERY,
  TURN_RELEASED_SIGNAL,
  type ProfileQueueState,
  type TurnRequest,
  type TurnRun,
  type TurnState,
} from '../contract/profile-queue';
import { TurnLine } from './turn-line';
import { refuseUnencrypted } from './refuse-unencrypted';

/** A job joins its profile's line (the client as it submits; the job itself when the line lacks it). */
export const enqueueTurn = defineSignal<[TurnRequest]>(TURN_ENQUEUE_SIGNAL);
/** A job is done with its turn, or stops waiting for it (cancelled, deadline passed). */
export const turnReleased = defineSignal<[TurnRun]>(TURN_RELEASED_SIGNAL);
/** Sent to a waiting job when its turn comes. */
export const turnGranted = defineSignal(TURN_GRANTED_SIGNAL);
export const queueQuery = defineQuery<ProfileQueueState>(QUEUE_QUERY);
/** Answered by a job: where it stands with its turn. */
export const turnQuery = defineQuery<TurnState>(TURN_QUERY);

/** How often a holder that neither gives its turn back nor closes is asked whether it still needs it. */
const HOLDER_CHECK_MS = 10_000;
/** A queue with nobody in line stays this long for the next job, then closes (and is started again). */
const IDLE_MS = 60_000;
/** Past this many history events the queue continues as new, carrying its line. */
const HISTORY_LIMIT = 2_000;

const { grantProfileTurn, holderNeedsTurn } = proxyLocalActivities<SharedActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumInterval: '5 seconds' },
});

/**
 * One profile's turns, first come first served (the client joins the line as it submits, so that is the
 * order of submission). A job that joins a free profile holds it at once and learns so when it asks
 * (no signal, no workflow task of its own); a job that waited is told by a signal the moment the
 * profile is free, and nobody polls while waiting. A holder that goes silent is asked whether it still needs the profile (a closed
 * run, or one that has given up its turn, does not). The Redis lease stays the guard on the host; this
 * queue only makes waiting fair and free.
 */
export async function profileQueue(state: ProfileQueueState): Promise<void> {
  refuseUnencrypted(state);
  const line = new TurnLine(state);
  setHandler(enqueueTurn, (request) => line.enqueue(request, Date.now()));
  setHandler(turnReleased, (run) => line.release(run));
  setHandler(queueQuery, () => line.state());
  const mustContinue = () => {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength > HISTORY_LIMIT;
  };
  for (;;) {
    if (mustContinue()) await continueAsNew<typeof profileQueue>(line.state());
    const next = line.holder ?? line.grantNext(Date.now());
    if (next?.tell) {
      line.told(next);
      // false: that run is gone (closed before its turn), and the next one gets it.
      if (!(await grantProfileTurn(next))) line.drop(next);
      continue;
    }
    if (!line.holder) {
      // Idle: close once nobody has joined for a while (a signal that arrives as it closes reopens it).
      if (!(await condition(() => !line.idle || mustContinue(), IDLE_MS)) && line.idle) return;
      continue;
    }
    const { holder } = line;
    const changed = () => line.holder !== holder || mustContinue();
    if (!(await condition(changed, HOLDER_CHECK_MS)) && !(await holderNeedsTurn(holder))) line.drop(holder);
  }
}
