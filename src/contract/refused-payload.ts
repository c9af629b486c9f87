/**
 * What a worker's codec makes of a payload it refuses to decode (not encrypted with one of its keys):
 * a value the workflow recognises at its start and fails on, typed (PayloadNotEncrypted, not retried),
 * instead of a decoding error that would fail its workflow task again and again. Workflow-safe.
 */
export const REFUSED_PAYLOAD_FIELD = 'mlx_refused_payload';

export function isRefusedPayload(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, REFUSED_PAYLOAD_FIELD);
}
