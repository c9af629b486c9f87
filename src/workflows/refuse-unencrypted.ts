import { failure } from '../contract/failures';
import { isRefusedPayload } from '../contract/refused-payload';

/**
 * Fails the run, typed and not retried, when the worker's codec refused its input (not encrypted with
 * one of the worker's keys). Before any command: a run whose input was encrypted replays as it did.
 */
export function refuseUnencrypted(input: unknown): void {
  if (!isRefusedPayload(input)) return;
  throw failure(
    'PayloadNotEncrypted',
    "the workflow's input is not encrypted with one of the worker's payload keys; start it through a client that holds them (or set MLX_PAYLOAD_ALLOW_PLAINTEXT=true on workers while moving to encryption)",
    { nonRetryable: true },
  );
}
