import { Context } from '@temporalio/activity';
import type { Span, SpanKind } from '@opentelemetry/api';
import { ATTR, jobAttributes, runAttributes, type JobRef } from '../contract';
import { metrics } from './metrics';
import { failureTypeOf, inSpan } from './spans';

/**
 * The span of one step attempt, child of Temporal's RunActivity span, carrying the job's attributes.
 * Each attempt is also observed in `mlx_step_duration_seconds` (with the attempt's trace id as exemplar)
 * and, when it fails, in `mlx_step_failures_total`; the step label is the activity's name.
 */
export function stepSpan<T>(
  name: string,
  job: JobRef,
  workerId: string,
  fn: (span: Span) => Promise<T>,
  options: { kind?: SpanKind } = {},
): Promise<T> {
  const { info } = Context.current();
  const attributes = {
    ...jobAttributes(job),
    ...runAttributes(info.workflowExecution),
    [ATTR.attempt]: info.attempt,
    [ATTR.workerId]: workerId,
  };
  return inSpan(
    name,
    attributes,
    async (span) => {
      const started = performance.now();
      const observe = (failureType?: string) => {
        metrics.stepEnded({
          step: info.activityType,
          platform: job.platform,
          seconds: (performance.now() - started) / 1000,
          traceId: span.spanContext().traceId,
          failureType,
        });
      };
      try {
        const result = await fn(span);
        observe();
        return result;
      } catch (err) {
        observe(failureTypeOf(err));
        throw err;
      }
    },
    options,
  );
}
