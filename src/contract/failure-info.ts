import { ApplicationFailure, TemporalFailure, TimeoutFailure } from '@temporalio/common';
import type { JobFailureInfo } from './outcome';

/** The innermost failure of an activity's failure chain, reduced to the taxonomy type and message. */
export function failureInfo(err: unknown): Omit<JobFailureInfo, 'step'> {
  let inner: unknown = err;
  while (inner instanceof TemporalFailure && !(inner instanceof ApplicationFailure) && inner.cause) {
    inner = inner.cause;
  }
  if (inner instanceof ApplicationFailure) {
    const evidence = (inner.details?.[0] as Pick<JobFailureInfo, 'evidence'> | undefined)?.evidence;
    return { type: inner.type ?? 'Error', message: inner.message, ...(evidence && { evidence }) };
  }
  if (inner instanceof TimeoutFailure)
    return { type: `Timeout.${inner.timeoutType}`, message: inner.message };
  if (inner instanceof Error) return { type: inner.name, message: inner.message };
  return { type: 'Error', message: String(inner) };
}
