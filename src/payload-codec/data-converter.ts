/**
 * The data converter every program uses (client, CLI, worker, codec server), built from one settings
 * object: payloads above the claim-check threshold go to the blob store (the SDK's ExternalStorage,
 * after the codecs, so blobs hold encrypted bytes), and every payload is encrypted when keys are set.
 */
import { ExternalStorage, type DataConverter, type PayloadCodec } from '@temporalio/common';
import { blobStorageDriver, type BlobStore } from './blob-store';
import { createEncryptionCodec } from './encryption-codec';
import { createFsBlobStore } from './fs-blob-store';
import { createKeyRing, type KeyRing } from './key-ring';
import { createRedisBlobStore } from './redis-blob-store';

export interface PayloadSettings {
  /** Encryption keys, the encrypting one first; none: payloads are stored as they are. */
  keys: readonly { id: string; key: Buffer }[];
  claimCheck: {
    store: 'fs' | 'redis';
    /** The fs store's directory. */
    dir: string;
    redis?: { url: string; prefix: string };
    /** Payloads larger than this (bytes, after encryption) go to the blob store. */
    thresholdBytes: number;
  };
}

export interface PayloadHandling {
  dataConverter: DataConverter;
  /** The codecs alone (encryption), for a codec server. */
  codecs: PayloadCodec[];
  keyRing?: KeyRing;
  store: BlobStore;
  close(): Promise<void>;
}

/**
 * `refusePlaintext`: a worker's handling, which takes no payload that is not encrypted with one of its
 * keys (when it has keys): clients and the codec endpoint still read runs recorded before encryption.
 */
/** The failure converter's module, for data converters and the workflow bundle alike. */
export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

export function createPayloadHandling(
  settings: PayloadSettings,
  { refusePlaintext = false }: { refusePlaintext?: boolean } = {},
): PayloadHandling {
  const { claimCheck } = settings;
  const store =
    claimCheck.store === 'redis'
      ? createRedisBlobStore(requireRedis(claimCheck.redis).url, requireRedis(claimCheck.redis).prefix)
      : createFsBlobStore(claimCheck.dir);
  const keyRing = settings.keys.length ? createKeyRing(settings.keys) : undefined;
  const codecs = keyRing ? [createEncryptionCodec(keyRing, { refusePlaintext })] : [];
  const externalStorage = new ExternalStorage({
    drivers: [blobStorageDriver(store)],
    payloadSizeThreshold: claimCheck.thresholdBytes,
  });
  return {
    dataConverter: { payloadCodecs: codecs, externalStorage, failureConverterPath: FAILURE_CONVERTER_PATH },
    codecs,
    keyRing,
    store,
    close: () => store.close(),
  };
}

function requireRedis(redis: PayloadSettings['claimCheck']['redis']): { url: string; prefix: string } {
  if (!redis) throw new RangeError('the redis claim-check store needs MLX_REDIS_URL');
  return redis;
}
