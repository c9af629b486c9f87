import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  patched,
  proxyLocalActivities,
} from '@temporalio/workflow';
import type { SharedActivities } from '../activities';

const { checkRunInput } = proxyLocalActivities<SharedActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumInterval: '5 seconds' },
});

/**
 * The run's first step: the worker checks the whole input (checkRunInput: the client's schema and the
 * configured bounds) before the run asks for its profile's turn or reads a field of it, and a refused
 * input ends the run with JobSpecInvalid (not retried) naming each field. Whoever can start a workflow
 * in the namespace can send any JSON: unchecked, such a run joined its profile's line, made the jobs
 * behind it wait, and could fail its workflow task for good on a field of the wrong type. A local
 * activity rather than workflow code: the bounds are the worker's configuration, and zod stays out of
 * a run's module set-up (schemas-on-demand.ts); its result is in history, so a replay takes the same
 * branch whatever the replaying worker is configured with.
 */
export async function checkInput(input: unknown): Promise<void> {
  if (!patched('1.1-input-check')) return;
  try {
    // Not cancellable: a job cancelled before it ran (queued by its client at submit) still goes on to
    // give its turn back and report, as the steps do for any cancel.
    await CancellationScope.nonCancellable(() => checkRunInput(input));
  } catch (err) {
    // The run fails with the check's own failure (its type and fields), not a wrapper naming the activity.
    if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) throw err.cause;
    throw err;
  }
}
