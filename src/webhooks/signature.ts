import { createHmac, timingSafeEqual } from 'node:crypto';

/** Headers of a signed webhook: the signature covers `<timestamp>.<body>`, so a replay cannot move it in time. */
export const SIGNATURE_HEADER = 'x-mlx-signature';
export const TIMESTAMP_HEADER = 'x-mlx-timestamp';
export const DEFAULT_TOLERANCE_SEC = 300;

function digest(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export function signWebhook(
  secret: string,
  body: string,
  nowSec = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const timestamp = String(nowSec);
  return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: `v1=${digest(secret, timestamp, body)}` };
}

export type Verdict = { ok: true } | { ok: false; reason: string };

/** Checks a delivery's HMAC-SHA256 signature and that its timestamp is within `toleranceSec` of now. */
export function verifyWebhook(
  secret: string,
  headers: Record<string, string | undefined>,
  body: string,
  options: { nowSec?: number; toleranceSec?: number } = {},
): Verdict {
  const timestamp = headers[TIMESTAMP_HEADER];
  const signature = headers[SIGNATURE_HEADER];
  if (!timestamp || !/^\d+$/.test(timestamp))
    return { ok: false, reason: `missing or malformed ${TIMESTAMP_HEADER}` };
  if (!signature?.startsWith('v1=')) return { ok: false, reason: `missing or malformed ${SIGNATURE_HEADER}` };
  const now = options.nowSec ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(timestamp)) > (options.toleranceSec ?? DEFAULT_TOLERANCE_SEC)) {
    return { ok: false, reason: 'stale timestamp' };
  }
  const expected = Buffer.from(digest(secret, timestamp, body), 'hex');
  const given = Buffer.from(signature.slice(3), 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'bad signature' };
  return { ok: true };
}
