import { context, propagation, SpanKind, type Span } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { failure, type WebhookBody, type JobRef } from '../contract';
import { redactCallbackUrl } from '../secrets';
import { checkTarget, deliver, EgressRefused, signWebhook, STRICT_EGRESS } from '../webhooks';
import type { ActivityDeps } from './deps';
import { parseRetryAfter } from '../policies';
import { metrics, stepSpan } from '../telemetry';

export interface PostWebhookInput {
  job: JobRef;
  url: string;
  body: WebhookBody;
  /** Same for every delivery of one report (the receiver drops repeats by it). */
  idempotency_key: string;
}

/** Statuses worth trying again: the receiver is down, slow or asks us to back off. */
const RETRY_STATUSES = new Set([408, 425, 429]);

export function webhookActivities(deps: ActivityDeps) {
  return {
    postWebhook({ job, url, body, idempotency_key }: PostWebhookInput): Promise<{ status: number }> {
      // A CLIENT span with the HTTP semantic conventions, so the receiver's SERVER span pairs with it.
      const post = async (span: Span) => {
        const target = redactCallbackUrl(url);
        const parsed = new URL(url);
        span.setAttributes({
          'http.request.method': 'POST',
          'server.address': parsed.hostname,
          'server.port': Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80)),
          'url.full': target,
          'mlx.webhook.status': body.status,
        });
        let checked;
        try {
          checked = await checkTarget(url, job.client_id, deps.webhookEgress ?? STRICT_EGRESS);
        } catch (err) {
          if (!(err instanceof EgressRefused)) throw err;
          throw failure('WebhookTargetNotAllowed', `webhook ${target}: ${err.message}`, {
            details: { target },
          });
        }
        const headers: Record<string, string> = {
          'content-type': 'application/json',
          'idempotency-key': idempotency_key,
          'user-agent': 'mlx-jobs',
        };
        // traceparent, tracestate and baggage, so the receiver continues this trace.
        propagation.inject(context.active(), headers);
        const payload = JSON.stringify(clientView(body));
        // Signed afresh on every attempt, so a retry after an outage is not refused as stale; with one
        // signature per secret while the client's secret is rotated.
        const secrets = deps.webhookSecrets?.(job.client_id) ?? [];
        if (secrets.length) Object.assign(headers, signWebhook(secrets, idempotency_key, payload));
        span.setAttribute('mlx.webhook.signed', secrets.length > 0);
        // This span is the POST's CLIENT span: the HTTP instrumentation adds none, nor its own traceparent.
        const result = await context.with(suppressTracing(context.active()), () =>
          deliver(checked, headers, payload, deps.webhookTimeoutMs),
        );
        // Messages say no more than "status N" or "no connection": they reach the client's webhook and
        // the Temporal UI, and must not map the network behind the URL.
        if (!result.connected) {
          // The operator's side (span, metrics) tells a receiver that hangs from one that is not there;
          // the failure's message does not.
          metrics.webhookDelivery(job.platform, result.timedOut ? 'timeout' : 'unavailable');
          span.setAttribute('error.type', result.timedOut ? 'timeout' : 'connection');
          throw failure('WebhookUnavailable', `webhook ${target}: delivery failed: no connection`, {
            details: { target },
          });
        }
        span.setAttribute('http.response.status_code', result.status);
        const details = { target, http_status: result.status };
        if (result.status >= 200 && result.status < 300) {
          metrics.webhookDelivery(job.platform, 'delivered');
          deps.log.info('webhook delivered', { job_id: body.job_id, ...details });
          return { status: result.status };
        }
        span.setAttribute('error.type', String(result.status));
        const failed = `webhook ${target}: delivery failed: ${result.status}`;
        if (result.status >= 500 || RETRY_STATUSES.has(result.status)) {
          metrics.webhookDelivery(job.platform, 'unavailable');
          throw failure('WebhookUnavailable', failed, {
            details,
            nextRetryDelayMs: parseRetryAfter(result.retryAfter) || undefined,
          });
        }
        metrics.webhookDelivery(job.platform, 'rejected');
        const redirect = result.status >= 300 && result.status < 400 ? ' (redirects are not followed)' : '';
        throw failure('WebhookRejected', `${failed}${redirect}`, { details });
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
