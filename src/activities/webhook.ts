import { failure } from '../errors';
import type { WebhookBody } from '../job';
import type { ActivityDeps } from './deps';

export interface PostWebhookInput {
  url: string;
  body: WebhookBody;
}

/** Statuses worth trying again: the receiver is down, slow or asks us to back off. */
const RETRY_STATUSES = new Set([408, 425, 429]);

/** Host and path only: query strings may carry the receiver's tokens. */
export function redactUrl(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

export function webhookActivities(deps: ActivityDeps) {
  return {
    async postWebhook(input: PostWebhookInput): Promise<{ status: number }> {
      const target = redactUrl(input.url);
      let response: Response;
      try {
        response = await fetch(input.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'idempotency-key': `${input.body.job_id}:${input.body.status}`,
            'user-agent': 'mlx-jobs',
          },
          body: JSON.stringify(input.body),
          signal: AbortSignal.timeout(deps.webhookTimeoutMs),
        });
      } catch (err) {
        throw failure('WebhookUnavailable', `webhook ${target} did not answer: ${String(err)}`, {
          details: { target },
        });
      }
      await response.body?.cancel();
      const details = { target, http_status: response.status };
      if (response.ok) {
        deps.log.info('webhook delivered', { job_id: input.body.job_id, ...details });
        return { status: response.status };
      }
      if (response.status >= 500 || RETRY_STATUSES.has(response.status)) {
        const retryAfter = Number(response.headers.get('retry-after'));
        throw failure('WebhookUnavailable', `webhook ${target} answered ${response.status}`, {
          details,
          nextRetryDelayMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
        });
      }
      throw failure('WebhookRejected', `webhook ${target} refused the delivery with ${response.status}`, {
        details,
      });
    },
  };
}
