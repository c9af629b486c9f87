import { condition, proxyLocalActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { SharedActivities } from '../activities';
import type { TurnPosition, TurnRequest, TurnState } from '../contract';
import { turnGranted, turnQuery } from './profile-queue';

/**
 * How long a waiting job trusts its queue before it asks again (doubling up to TURN_CHECK_MAX_MS): a
 * queue that was terminated or reset forgets its line, and the job then joins the line of the new one
 * (asking is idempotent).
 */
const TURN_CHECK_MS = 30_000;
const TURN_CHECK_MAX_MS = 5 * 60_000;

const { askProfileTurn } = proxyLocalActivities<SharedActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumInterval: '5 seconds' },
});

/**
 * This job's turn on its profile. The client put the job in the profile's line as it submitted it; the
 * job asks the line where it stands (a query, joining the line only if the line lacks it) and, unless
 * the turn is already its own, waits for the queue's signal. Whatever happens after it was created,
 * the job's cleanup gives the turn back (`giveBack`), so a job never holds a profile it no longer
 * drives, even one cancelled before it asked.
 */
export class ProfileTurn {
  private current: TurnState = 'asking';

  constructor(private readonly profileId: string) {
    setHandler(turnGranted, () => {
      if (this.current === 'asking' || this.current === 'waiting') this.current = 'holding';
    });
    setHandler(turnQuery, () => this.current);
  }

  get state(): TurnState {
    return this.current;
  }

  /** Resolves once the turn is this job's; `onWait` hears where the job stands while it waits. */
  async take(jobId: string, onWait: (position: TurnPosition) => void): Promise<void> {
    const { workflowId, runId, startTime, taskQueue } = workflowInfo();
    const request: TurnRequest = {
      workflow_id: workflowId,
      run_id: runId,
      job_id: jobId,
      asked_at: startTime.getTime(),
    };
    const holding = () => this.current === 'holding';
    // The queue may have granted the turn before the run's first task (the client queued it at submit).
    if (holding()) return;
    for (let check = TURN_CHECK_MS; ; check = Math.min(check * 2, TURN_CHECK_MAX_MS)) {
      const position = await askProfileTurn({ profile_id: this.profileId, task_queue: taskQueue, request });
      if (position.granted) this.current = 'holding';
      if (holding()) return;
      this.current = 'waiting';
      onWait(position);
      if (await condition(holding, check)) return;
    }
  }

  /**
   * Marks the turn given back, so the queue's check of a silent holder frees it even if the signal that
   * gives it back is lost; the release activity then tells the queue.
   */
  giveBack(): void {
    this.current = 'released';
  }
}
