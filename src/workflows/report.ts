import { CancellationScope, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { SharedActivities } from '../activities';
import type { WebhookBody } from '../contract';
import type { Outcome } from '../dead-letters';
import { activityOptions } from '../policies/activity-options';
import type { JobContext } from './job-context';

/** Posts the outcome to callback_url (if any); returns the delivery's failure, if it failed for good. */
export async function report(ctx: JobContext, outcome: Outcome): Promise<unknown> {
  const { spec, job, policies, progress } = ctx;
  if (!spec.callback_url) return undefined;
  const { workflowId, runId, firstExecutionRunId } = workflowInfo();
  const body: WebhookBody = {
    job_id: spec.job_id,
    status: outcome.status,
    platform: spec.platform,
    client_id: spec.client_id,
    profile_id: spec.profile_id,
    task: spec.task.name,
    output: outcome.output,
    error: outcome.failure,
    workflow_id: workflowId,
    run_id: runId,
  };
  // One key per outcome of each retry from a dead letter; redeliveries of the same report reuse it. It
  // names the submission (its first run), so a job_id submitted again after a discard or an expiry
  // reports under a new key that a deduplicating receiver does not drop.
  const retries = ctx.input.dead_letter_retries ?? 0;
  const idempotency_key = `${spec.job_id}:${firstExecutionRunId}:${outcome.status}${retries ? `:retry-${retries}` : ''}`;
  const url = spec.callback_url;
  const { postWebhook } = proxyActivities<SharedActivities>({
    ...activityOptions(policies.postWebhook),
    summary: ctx.metadata.activitySummary('postWebhook'),
  });
  try {
    await CancellationScope.nonCancellable(() =>
      progress.run('postWebhook', () => postWebhook({ job, url, body, idempotency_key })),
    );
    return undefined;
  } catch (webhookError) {
    return webhookError;
  }
}
