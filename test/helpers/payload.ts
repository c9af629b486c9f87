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
