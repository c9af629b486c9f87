/**
 * How payloads are stored, read by the client and the worker alike (a CLI must read what a worker
 * wrote): the encryption keys and the claim-check store for large payloads.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { isPublishedExample } from './published-examples';
import { ConfigError } from '../contract';
import { KEY_BYTES, KEY_ID_PATTERN, type PayloadSettings } from '../payload-codec';
import { decimalInt, optionalString, type sharedSchema } from './env';

export const payloadSchema = z.object({
  MLX_PAYLOAD_KEYS: optionalString,
  MLX_PAYLOAD_KEYS_FILE: optionalString,
  MLX_CLAIM_CHECK_STORE: z.enum(['fs', 'redis'], { error: 'must be fs or redis' }).optional(),
  MLX_CLAIM_CHECK_DIR: optionalString,
  MLX_CLAIM_CHECK_THRESHOLD_BYTES: decimalInt(1_024, 1_536 * 1_024).default(256 * 1_024),
});

type Shared = z.output<typeof sharedSchema> & z.output<typeof payloadSchema>;

/** `id=base64key` entries separated by commas or new lines; the first one encrypts. */
export function parsePayloadKeys(text: string, source: string): PayloadSettings['keys'] {
  const entries = text
    .split('\n')
    .filter((line) => !line.trim().startsWith('#'))
    .flatMap((line) => line.split(','))
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) throw new ConfigError(`bad setting ${source}: no key given`);
  const seen = new Set<string>();
  return entries.map((entry, index) => {
    const at = entry.indexOf('=');
    const id = at > 0 ? entry.slice(0, at) : '';
    const value = at > 0 ? entry.slice(at + 1) : '';
    if (!KEY_ID_PATTERN.test(id)) {
      throw new ConfigError(
        `bad setting ${source}: entry ${index + 1} must be <key id>=<base64 key>, the id of letters, digits, . _ -`,
      );
    }
    if (seen.has(id)) throw new ConfigError(`bad setting ${source}: key id "${id}" is listed twice`);
    seen.add(id);
    const key = /^[A-Za-z0-9+/]+={0,2}$/.test(value) ? Buffer.from(value, 'base64') : Buffer.alloc(0);
    if (key.length !== KEY_BYTES) {
      // Never quote the value: it is the key.
      throw new ConfigError(
        `bad setting ${source}: key "${id}" must be ${KEY_BYTES} bytes in base64 (openssl rand -base64 32)`,
      );
    }
    if (isPublishedExample(value)) {
      throw new ConfigError(
        `bad setting ${source}: key "${id}" is the example the repository shipped; generate your own (openssl rand -base64 32)`,
      );
    }
    return { id, key };
  });
}

export function payloadSettings(e: Shared): PayloadSettings {
  if (e.MLX_PAYLOAD_KEYS && e.MLX_PAYLOAD_KEYS_FILE) {
    throw new ConfigError('bad setting MLX_PAYLOAD_KEYS: set either it or MLX_PAYLOAD_KEYS_FILE, not both');
  }
  let keys: PayloadSettings['keys'] = [];
  if (e.MLX_PAYLOAD_KEYS) keys = parsePayloadKeys(e.MLX_PAYLOAD_KEYS, 'MLX_PAYLOAD_KEYS');
  if (e.MLX_PAYLOAD_KEYS_FILE) {
    let text: string;
    try {
      text = readFileSync(e.MLX_PAYLOAD_KEYS_FILE, 'utf8');
    } catch (err) {
      throw new ConfigError(
        `bad setting MLX_PAYLOAD_KEYS_FILE: cannot read ${e.MLX_PAYLOAD_KEYS_FILE}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
      );
    }
    keys = parsePayloadKeys(text, `MLX_PAYLOAD_KEYS_FILE (${e.MLX_PAYLOAD_KEYS_FILE})`);
  }
  const store = e.MLX_CLAIM_CHECK_STORE ?? (e.MLX_REDIS_URL ? 'redis' : 'fs');
  if (store === 'redis' && !e.MLX_REDIS_URL) {
    throw new ConfigError('bad setting MLX_CLAIM_CHECK_STORE: redis needs MLX_REDIS_URL');
  }
  return {
    keys,
    claimCheck: {
      store,
      dir: resolve(e.MLX_CLAIM_CHECK_DIR ?? resolve(e.MLX_DATA_DIR, 'blobs')),
      redis: e.MLX_REDIS_URL ? { url: e.MLX_REDIS_URL, prefix: e.MLX_REDIS_PREFIX } : undefined,
      thresholdBytes: e.MLX_CLAIM_CHECK_THRESHOLD_BYTES,
    },
  };
}
