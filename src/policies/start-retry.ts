/**
 * Retry rules of startProfile that one retry policy cannot express: the policy allows many attempts
 * within its schedule-to-close (10 minutes by default), and these rules shape them per error type.
 * - MlxCoreDownloading: wait `coreDownloadingDelayMs` between attempts, until schedule-to-close.
 * - MlxProxyFailed: from attempt `proxyMaxAttempts` on, fail for good (still typed MlxProxyFailed).
 * Every other type follows the step's policy (MlxRateLimited keeps the launcher's Retry-After).
 */
import { ApplicationFailure } from '@temporalio/common';
import { errorTypeOf, failure } from '../contract';

export interface StartRetryRules {
  coreDownloadingDelayMs: number;
  proxyMaxAttempts: number;
}

export const DEFAULT_START_RETRY_RULES: StartRetryRules = {
  coreDownloadingDelayMs: 15_000,
  proxyMaxAttempts: 3,
};

/** The failure to throw for `err` on attempt `attempt` (1-based). */
export function applyStartRetryRules(err: unknown, attempt: number, rules: StartRetryRules): unknown {
  if (!(err instanceof ApplicationFailure)) return err;
  const type = errorTypeOf(err);
  const details = (err.details?.[0] ?? {}) as Record<string, unknown>;
  if (type === 'MlxCoreDownloading' && err.nextRetryDelay === undefined) {
    return failure(type, err.message, {
      details: { ...details, retry_after_ms: rules.coreDownloadingDelayMs },
      nextRetryDelayMs: rules.coreDownloadingDelayMs,
    });
  }
  if (type === 'MlxProxyFailed' && attempt >= rules.proxyMaxAttempts) {
    return failure(type, `${err.message} (gave up after ${attempt} attempts)`, {
      details: { ...details, attempts: attempt },
      nonRetryable: true,
    });
  }
  return err;
}
