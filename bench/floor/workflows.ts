// The floor of scenario 2: the job's seven steps as activities of a bare SDK workflow on one task queue
// (no interceptors, no profile turn, no acquire or host queue), so every activity can run eagerly.
import { proxyActivities } from '@temporalio/workflow';
import { runSevenSteps, type DirectJob, type SevenSteps, type StepTimes } from '../direct/step-order';

const steps = proxyActivities<SevenSteps>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 1 },
});

/** Each step's time is workflow time (the clock of the task that saw it end), as runJob reports it. */
export function bareSevenSteps(job: DirectJob, input: unknown): Promise<StepTimes> {
  return runSevenSteps(steps, job, input, () => Date.now());
}
