import { upsertSearchAttributes } from '@temporalio/workflow';
import type { TurnPosition } from '../contract';
import { SA } from '../contract/search-attributes';
import type { ProgressTracker } from './progress-tracker';

/**
 * What the run waits for, told where operators look: the `MlxWaitingFor` search attribute (the Temporal
 * UI's list, `mlx_jobs_waiting`) and the progress (the `progress` query, the run's details: behind which
 * job, since when). Written only for a real wait: a job whose turn is free at once writes nothing.
 */
export class WaitingFor {
  private since?: number;

  constructor(
    private readonly progress: ProgressTracker,
    private readonly profileId: string,
  ) {}

  /** The job waits in its profile's line at `position`. */
  forTurn(position: TurnPosition): void {
    if (this.since === undefined) {
      this.since = Date.now();
      upsertSearchAttributes([{ key: SA.waitingFor, value: 'profile' }]);
    }
    this.progress.setWaiting({
      for: 'profile',
      profile_id: this.profileId,
      since: new Date(this.since).toISOString(),
      ahead: position.ahead,
      ...(position.holder_job_id && { behind_job_id: position.holder_job_id }),
      ...(position.holder_since && { behind_since: new Date(position.holder_since).toISOString() }),
    });
  }

  /** The wait is over (the turn came, or the job ends). */
  done(): void {
    if (this.since === undefined) return;
    this.since = undefined;
    upsertSearchAttributes([{ key: SA.waitingFor, value: null }]);
    this.progress.setWaiting(undefined);
  }
}
