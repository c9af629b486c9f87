import type { Client, WorkflowHandle } from '@temporalio/client';
import { workflowIdFor } from '../../src/contract';

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];
const ms = (t: HistoryEvent['eventTime']) => Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;

/**
 * The last attempt of a job's first activity of this type, from its history: the attempt number, the
 * failure the attempt before it left, the retry policy it was scheduled with, and the time from
 * scheduling to that attempt's start.
 */
export async function lastAttemptOf(client: Client, jobId: string, activityType: string) {
  const history = await client.workflow.getHandle(workflowIdFor(jobId)).fetchHistory();
  const events = history.events ?? [];
  const scheduled = events.find(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activityType,
  )!;
  const started = events.find(
    (e) =>
      e.activityTaskStartedEventAttributes?.scheduledEventId?.toString() === scheduled.eventId?.toString(),
  )!;
  const attrs = started.activityTaskStartedEventAttributes!;
  return {
    attempt: attrs.attempt ?? 0,
    lastFailure: attrs.lastFailure ?? undefined,
    retryPolicy: scheduled.activityTaskScheduledEventAttributes?.retryPolicy ?? undefined,
    waitedMs: ms(started.eventTime) - ms(scheduled.eventTime),
    history: JSON.stringify(history),
  };
}
