import { join } from 'node:path';
import type { PayloadSettings } from '../../src/payload-codec';

/** The payload key every harness run encrypts with; the replay test holds it too. */
export const TEST_PAYLOAD_KEY = { id: 'test-key-1', key: Buffer.alloc(32, 7) };

/** Encryption with the test key, claim-check blobs under `dataDir`: how the harness stores payloads. */
export function testPayloadSettings(dataDir: string, thresholdBytes = 256 * 1024): PayloadSettings {
  return {
    keys: [TEST_PAYLOAD_KEY],
    claimCheck: { store: 'fs', dir: join(dataDir, 'blobs'), thresholdBytes },
  };
}

/** The environment a CLI process needs to read and write what a harness stores. */
export function testPayloadEnv(dataDir: string): Record<string, string> {
  return {
    MLX_PAYLOAD_KEYS: `${TEST_PAYLOAD_KEY.id}=${TEST_PAYLOAD_KEY.key.toString('base64')}`,
    MLX_CLAIM_CHECK_DIR: join(dataDir, 'blobs'),
  };
}
