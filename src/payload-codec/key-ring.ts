/**
 * The payload keys: AES-256-GCM, one key that encrypts and any number that still decrypt, each named by
 * an id that travels with what it sealed, so keys can rotate without re-encrypting history.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface KeyRing {
  /** Id of the key new payloads are sealed with. */
  readonly encryptKeyId: string;
  /** Every key id that can open a payload (the encrypting one first). */
  readonly keyIds: readonly string[];
  seal(plain: Uint8Array): { keyId: string; sealed: Buffer };
  /** Throws when the key id is unknown or the data was changed (GCM tag mismatch). */
  open(keyId: string, sealed: Uint8Array): Buffer;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;
export const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** `keys` in order; the first encrypts. Each key is 32 bytes. */
export function createKeyRing(keys: readonly { id: string; key: Buffer }[]): KeyRing {
  const first = keys[0];
  if (!first) throw new RangeError('a key ring needs at least one key');
  const byId = new Map<string, Buffer>();
  for (const { id, key } of keys) {
    if (!KEY_ID_PATTERN.test(id)) throw new RangeError(`key id "${id}" may hold letters, digits, . _ - only`);
    if (key.length !== KEY_BYTES) throw new RangeError(`key "${id}" must be ${KEY_BYTES} bytes`);
    if (byId.has(id)) throw new RangeError(`key id "${id}" is listed twice`);
    byId.set(id, key);
  }
  return {
    encryptKeyId: first.id,
    keyIds: [...byId.keys()],
    seal(plain) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', first.key, iv);
      const body = Buffer.concat([cipher.update(plain), cipher.final()]);
      return { keyId: first.id, sealed: Buffer.concat([iv, body, cipher.getAuthTag()]) };
    },
    open(keyId, sealed) {
      const key = byId.get(keyId);
      if (!key)
        throw new Error(`payload was encrypted with key "${keyId}", which this process does not hold`);
      if (sealed.length < IV_BYTES + TAG_BYTES) throw new Error('encrypted payload is truncated');
      const data = Buffer.from(sealed);
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      try {
        return Buffer.concat([
          decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
          decipher.final(),
        ]);
      } catch {
        throw new Error(`payload encrypted with key "${keyId}" does not authenticate (changed or wrong key)`);
      }
    },
  };
}
