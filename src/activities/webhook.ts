import { context, propagation, SpanKind, type Span } from '@opentelemetry/api';
import { failure, type WebhookBody, type JobRef } from '../contract';
import { redactUrl } from '../secrets';
import { signWebhook } from '../webhooks';
import type { ActivityDeps } from './deps';
import { parseRetryAfter } from '../policies';
import { metrics, stepSpan } from '../telemetry';

export interface PostWebhookInput {
  job: JobRef;
  url: string;
  body: WebhookBody;
  /** Same for every delivery of one report; runs recorded before it was passed use job_id:status. */
  idempotency_key?: string;
}

/** Statuses worth trying again: the receiver is down, slow or asks us to back off. */
const RETRY_STATUSES = new Set([408, 425, 429]);

export function webhookActivities(deps: ActivityDeps) {
  return {
    postWebhook({ job, url, body, idempotency_key }: PostWebhookInput): Promise<{ status: number }> {
      // A CLIENT span with the HTTP semantic conventions, so the receiver's SERVER span pairs with it.
      const post = async (span: Span) => {
        const target = redactUrl(url);
        const parsed = new URL(url);
        span.setAttributes({
          'http.request.method': 'POST',
          'server.address': parsed.hostname,
          'server.port': Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80)),
          'url.full': target,
          'mlx.webhook.status': body.status,
        });
        const headers: Record<string, string> = {
          'content-type': 'application/json',
          'idempotency-key': idempotency_key ?? `${body.job_id}:${body.status}`,
          'user-agent': 'mlx-jobs',
        };
        // traceparent, tracestate and baggage, so the receiver continues this trace.
        propagation.inject(context.active(), headers);
        const payload = JSON.stringify(clientView(body));
        // Signed afresh on every attempt, so a retry after an outage is not refused as stale.
        if (deps.webhookSecret) Object.assign(headers, signWebhook(deps.webhookSecret, payload));
        span.setAttribute('mlx.webhook.signed', Boolean(deps.webhookSecret));
        let response: Response;
        try {
          response = await fetch(url, {
            method: 'POST',
            headers,
            body: payload,
            signal: AbortSignal.timeout(deps.webhookTimeoutMs),
          });
        } catch (err) {
          metrics.webhookDelivery(job.platform, 'unavailable');
          span.setAttribute(
            'error.type',
            err instanceof Error && err.name === 'TimeoutError' ? 'timeout' : 'connection',
          );
          throw failure('WebhookUnavailable', `webhook ${target} did not answer: ${String(err)}`, {
            details: { target },
          });
        }
        await response.body?.cancel();
        span.setAttribute('http.response.status_code', response.status);
        const details = { target, http_status: response.status };
        if (response.ok) {
          metrics.webhookDelivery(job.platform, 'delivered');
          deps.log.info('webhook delivered', { job_id: body.job_id, ...details });
          return { status: response.status };
        }
        span.setAttribute('error.type', String(response.status));
        if (response.status >= 500 || RETRY_STATUSES.has(response.status)) {
          metrics.webhookDelivery(job.platform, 'unavailable');
          throw failure('WebhookUnavailable', `webhook ${target} answered ${response.status}`, {
            details,
            nextRetryDelayMs: parseRetryAfter(response.headers.get('retry-after')) || undefined,
          });
        }
        metrics.webhookDelivery(job.platform, 'rejected');
        throw failure('WebhookRejected', `webhook ${target} refused the delivery with ${response.status}`, {
          details,
        });
      };
      return stepSpan('mlx.webhook.post', job, deps.workerId, post, { kind: SpanKind.CLIENT });
    },
  };
}

/**
 * What the client receives: the body as the README's schema documents it. The failure's evidence (the
 * worker's screenshot path, the page at failure) stays with operators: spans and `mlx-jobs dlq show`.
 */
function clientView(body: WebhookBody): WebhookBody {
  if (!body.error?.evidence) return body;
  const error = { ...body.error };
  delete error.evidence;
  return { ...body, error };
}
