/**
 * Where large payloads go (the claim-check pattern): a content-addressed blob store, and the Temporal
 * storage driver over it. History keeps only a reference: the blob's key, its size and its SHA-256.
 * Each blob also records which workflows refer to it, so blobs of runs Temporal has removed (after
 * the namespace's retention) can be removed too (see sweep.ts).
 */
import { createHash } from 'node:crypto';
import { StorageDriverClaim, type Payload, type StorageDriver } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { failure } from '../contract/failures';
import { ioReason } from '../contract/io-reason';

export interface BlobStore {
  readonly kind: 'fs' | 'redis';
  /** Where it keeps blobs, for messages: the directory, or the Redis host (never its credentials). */
  readonly location: string;
  /** Stores `bytes` under `key` (their SHA-256, hex) and records `owner` (a workflow id) as referring to it. */
  put(key: string, bytes: Uint8Array, owner: string): Promise<void>;
  get(key: string): Promise<Buffer | undefined>;
  /** Every workflow id that refers to a blob. */
  owners(): Promise<string[]>;
  /** Drops the owner's references made before `before` (ms); removes blobs nobody refers to any more. */
  dropOwner(owner: string, before: number): Promise<{ removedBlobs: number }>;
  close(): Promise<void>;
}

/** The owner recorded when the SDK names no workflow (rare: e.g. a standalone activity). */
export const UNOWNED = '-';

export const BLOB_KEY_PATTERN = /^[0-9a-f]{64}$/;

const PayloadProto = temporal.api.common.v1.Payload;

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The storage driver Temporal's ExternalStorage calls; its name is written into every reference. */
export function blobStorageDriver(store: BlobStore): StorageDriver {
  return {
    name: `mlx-${store.kind}`,
    type: `mlx-jobs.${store.kind}`,
    async store(context, payloads) {
      const owner = context.target?.kind === 'workflow' && context.target.id ? context.target.id : UNOWNED;
      return Promise.all(
        payloads.map(async (payload) => {
          const bytes = PayloadProto.encode(payload).finish();
          const key = sha256Hex(bytes);
          await store.put(key, bytes, owner).catch((err: unknown) => {
            throw unavailable(store, `could not keep a payload of ${mib(bytes.length)}`, err);
          });
          return new StorageDriverClaim({ key, sha256: key, size: String(bytes.length) });
        }),
      );
    },
    retrieve(_context, claims) {
      return Promise.all(claims.map((claim) => retrieveOne(store, claim)));
    },
  };
}

async function retrieveOne(store: BlobStore, claim: StorageDriverClaim): Promise<Payload> {
  const { key, sha256, size } = claim.claimData;
  if (!key || !BLOB_KEY_PATTERN.test(key))
    throw failure('PayloadMissing', 'a claim-check reference has no valid key');
  const bytes = await store.get(key).catch((err: unknown) => {
    throw unavailable(store, `could not read claim-check blob ${key}`, err);
  });
  if (!bytes) {
    throw failure(
      'PayloadMissing',
      `claim-check blob ${key} is not in ${named(store)}: removed after its retention, or written to another store`,
    );
  }
  if (String(bytes.length) !== size || sha256Hex(bytes) !== sha256) {
    throw failure(
      'PayloadMissing',
      `claim-check blob ${key} in ${named(store)} does not match its reference (size or SHA-256 differ)`,
    );
  }
  return PayloadProto.decode(bytes);
}

/**
 * A store that cannot be written or read fails the step that made or needs the payload, typed and
 * retryable: a full disk or a Redis restart usually passes, and the step's retry policy then succeeds.
 */
function unavailable(store: BlobStore, what: string, err: unknown) {
  return failure('PayloadStoreUnavailable', `${named(store)} ${what}: ${ioReason(err)}`, {
    cause: err instanceof Error ? err : undefined,
  });
}

/** The store as messages name it: its kind and where it keeps blobs. */
const named = (store: BlobStore) => `the claim-check store (${store.kind}, ${store.location})`;

const mib = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
