import type { Client, WorkflowHandle } from '@temporalio/client';
import { workflowIdFor } from '../../src/contract';

export type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];
export const eventTimeMs = (t: HistoryEvent['eventTime']) =>
  Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;

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
    waitedMs: eventTimeMs(started.eventTime) - eventTimeMs(scheduled.eventTime),
  };
}

/**
 * Everything a history holds as text, payloads decoded: each payload's bytes (JSON of activity inputs,
 * results, failure details, memo, search attributes) as UTF-8, every string as it is. What a secret
 * check must search: a raw JSON dump shows payload bytes only as numbers, where no secret can be seen.
 */
export function historyText(history: unknown): string {
  const parts: string[] = [];
  const walk = (value: unknown): void => {
    if (value instanceof Uint8Array) parts.push(Buffer.from(value).toString('utf8'));
    else if (typeof value === 'string') parts.push(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(history);
  return parts.join('\n');
}

interface PayloadLike {
  metadata?: Record<string, Uint8Array> | null;
  data?: Uint8Array | null;
}

/**
 * A job's history as text with every payload decoded by `codec` first (decrypted), as an operator
 * holding the key would read it: the text to search for secrets that reached Temporal.
 */
export async function decodedHistoryText(
  client: Client,
  jobId: string,
  codec: { decode(payloads: PayloadLike[]): Promise<PayloadLike[]> },
): Promise<{ raw: string; decoded: string }> {
  const history = await client.workflow.getHandle(workflowIdFor(jobId)).fetchHistory();
  const decode = async (value: unknown): Promise<unknown> => {
    if (value instanceof Uint8Array || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return Promise.all(value.map(decode));
    const object = value as Record<string, unknown>;
    if (object.metadata && object.data instanceof Uint8Array) {
      const [payload] = await codec.decode([object]);
      return payload;
    }
    const entries = await Promise.all(Object.entries(object).map(async ([k, v]) => [k, await decode(v)]));
    return Object.fromEntries(entries) as unknown;
  };
  return { raw: historyText(history), decoded: historyText(await decode(history)) };
}
