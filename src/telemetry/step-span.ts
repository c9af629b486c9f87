import { Context } from '@temporalio/activity';
import type { Span } from '@opentelemetry/api';
import { ATTR, jobAttributes, type JobRef } from '../contract';
import { inSpan } from './spans';

/** The span of one step attempt, child of Temporal's RunActivity span, carrying the job's attributes. */
export function stepSpan<T>(
  name: string,
  job: JobRef,
  workerId: string,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const attributes = {
    ...jobAttributes(job),
    [ATTR.attempt]: Context.current().info.attempt,
    [ATTR.workerId]: workerId,
  };
  return inSpan(name, attributes, fn);
}
