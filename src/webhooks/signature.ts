import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed webhooks. The signature covers `<timestamp>.<idempotency key>.<body>`, so a delivery can be
 * neither moved in time nor replayed under another key. While a secret is rotated, a delivery carries
 * one `v1=` signature per secret (`x-mlx-signature: v1=<new>, v1=<old>`); a receiver accepts any that
 * matches one of its secrets.
 */
export const SIGNATURE_HEADER = 'x-mlx-signature';
export const TIMESTAMP_HEADER = 'x-mlx-timestamp';
export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const DEFAULT_TOLERANCE_SEC = 300;

function digest(secret: string, timestamp: string, key: string, body: string): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.${key}.${body}`).digest();
}

/** Headers of a signed delivery: the timestamp and one signature per secret (the newest first). */
export function signWebhook(
  secrets: readonly string[],
  idempotencyKey: string,
  body: string,
  nowSec = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const timestamp = String(nowSec);
  const signatures = secrets.map((s) => `v1=${digest(s, timestamp, idempotencyKey, body).toString('hex')}`);
  return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: signatures.join(', ') };
}

export type Verdict = { ok: true } | { ok: false; reason: string };

const SIGNATURE = /^v1=([0-9a-f]{64})$/;

/**
 * Checks a delivery: the timestamp within `toleranceSec` of now, and at least one `v1=` signature made
 * with one of `secrets`. Strict: every entry must be `v1=` and exactly 64 lower-case hex digits.
 */
export function verifyWebhook(
  secrets: string | readonly string[],
  headers: Record<string, string | undefined>,
  body: string,
  options: { nowSec?: number; toleranceSec?: number } = {},
): Verdict {
  const timestamp = headers[TIMESTAMP_HEADER];
  const header = headers[SIGNATURE_HEADER];
  const key = headers[IDEMPOTENCY_HEADER] ?? '';
  if (!timestamp || !/^\d{1,12}$/.test(timestamp))
    return { ok: false, reason: `missing or malformed ${TIMESTAMP_HEADER}` };
  const given = (header ?? '').split(',').map((part) => SIGNATURE.exec(part.trim())?.[1]);
  if (!header || given.length > 4 || given.some((hex) => hex === undefined))
    return { ok: false, reason: `missing or malformed ${SIGNATURE_HEADER}` };
  const now = options.nowSec ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(timestamp)) > (options.toleranceSec ?? DEFAULT_TOLERANCE_SEC)) {
    return { ok: false, reason: 'stale timestamp' };
  }
  const list = typeof secrets === 'string' ? [secrets] : secrets;
  const matches = list.some((secret) => {
    const expected = digest(secret, timestamp, key, body);
    return given.some((hex) => timingSafeEqual(Buffer.from(hex!, 'hex'), expected));
  });
  return matches ? { ok: true } : { ok: false, reason: 'bad signature' };
}
