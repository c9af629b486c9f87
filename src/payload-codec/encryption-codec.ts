/**
 * AES-256-GCM payload codec: each payload, metadata and data, is sealed whole into a new payload whose
 * metadata names the cipher and the key id. Payloads without that encoding (runs recorded before
 * encryption was turned on) pass through unchanged, so old histories still decode and replay; unless
 * plaintext is refused (a worker's codec): then such a payload decodes to a refusal the workflow fails on.
 */
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { REFUSED_PAYLOAD_FIELD } from '../contract/refused-payload';
import type { KeyRing } from './key-ring';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const CIPHER_METADATA = 'encryption-cipher';
const CIPHER = 'AES-256-GCM';

const PayloadProto = temporal.api.common.v1.Payload;
const text = (value: string) => new TextEncoder().encode(value);
const readText = (value: Uint8Array | null | undefined) =>
  value ? new TextDecoder().decode(value) : undefined;

export function isEncrypted(payload: Payload): boolean {
  return readText(payload.metadata?.encoding) === ENCRYPTED_ENCODING;
}

/** A worker that holds keys takes no input it did not get encrypted (see refused-payload.ts). */
const REFUSAL: Payload = {
  metadata: { encoding: text('json/plain') },
  data: text(JSON.stringify({ [REFUSED_PAYLOAD_FIELD]: 'not encrypted with one of the payload keys' })),
};

export function createEncryptionCodec(
  keys: KeyRing,
  options: { refusePlaintext?: boolean } = {},
): PayloadCodec {
  return {
    // async, so a failure is a rejection, never a synchronous throw
    async encode(payloads) {
      return Promise.resolve(
        payloads.map((payload) => {
          const { keyId, sealed } = keys.seal(PayloadProto.encode(payload).finish());
          return {
            metadata: {
              encoding: text(ENCRYPTED_ENCODING),
              [KEY_ID_METADATA]: text(keyId),
              [CIPHER_METADATA]: text(CIPHER),
            },
            data: sealed,
          };
        }),
      );
    },
    async decode(payloads) {
      return Promise.resolve(
        payloads.map((payload) => {
          if (!isEncrypted(payload)) return options.refusePlaintext ? REFUSAL : payload;
          const keyId = readText(payload.metadata?.[KEY_ID_METADATA]);
          if (!keyId) throw new Error(`encrypted payload has no ${KEY_ID_METADATA}`);
          return PayloadProto.decode(keys.open(keyId, payload.data ?? new Uint8Array()));
        }),
      );
    },
  };
}
