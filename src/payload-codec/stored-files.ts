/**
 * Files an operator fetches from wherever they stand (a failed task's screenshot): sealed with the
 * payload codecs (encrypted when keys are set) and kept in the claim-check blob store, recorded as owned
 * by the run's workflow id, so the sweep removes them with the run's other blobs after the namespace's
 * retention. Whoever reads the store and holds the keys (`mlx-jobs dlq show --evidence`) gets them back.
 */
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { StoredFile } from '../contract/outcome';
import { sha256Hex, type BlobStore } from './blob-store';

const PayloadProto = temporal.api.common.v1.Payload;
const FILE_NAME_METADATA = 'mlx-file-name';

export interface FileKeeping {
  store: BlobStore;
  /** The payload codecs, applied in order when sealing and in reverse when opening. */
  codecs: readonly PayloadCodec[];
}

export async function keepFile(
  { store, codecs }: FileKeeping,
  name: string,
  bytes: Uint8Array,
  owner: string,
): Promise<StoredFile> {
  let payload: Payload = {
    metadata: { encoding: Buffer.from('binary/plain'), [FILE_NAME_METADATA]: Buffer.from(name) },
    data: bytes,
  };
  for (const codec of codecs) [payload] = (await codec.encode([payload])) as [Payload];
  const sealed = PayloadProto.encode(payload).finish();
  const key = sha256Hex(sealed);
  await store.put(key, sealed, owner);
  return { name, store: store.kind, key, size: bytes.length };
}

/** The file's bytes, checked against its key; an Error naming the store when it is gone or altered. */
export async function fetchFile({ store, codecs }: FileKeeping, file: StoredFile): Promise<Buffer> {
  const where = `the claim-check store (${store.kind}, ${store.location})`;
  if (file.store !== store.kind) {
    throw new Error(`${file.name} was kept in the ${file.store} claim-check store; this reads ${where}`);
  }
  const sealed = await store.get(file.key);
  if (!sealed)
    throw new Error(`${file.name} (blob ${file.key}) is not in ${where}: removed after its run's retention?`);
  if (sha256Hex(sealed) !== file.key)
    throw new Error(`${file.name} (blob ${file.key}) in ${where} was altered`);
  let payload = PayloadProto.decode(sealed) as Payload;
  for (const codec of [...codecs].reverse()) [payload] = (await codec.decode([payload])) as [Payload];
  const encoding = Buffer.from(payload.metadata?.encoding ?? new Uint8Array()).toString('utf8');
  if (encoding !== 'binary/plain') {
    throw new Error(
      `${file.name} is encrypted with a payload key this process does not hold (MLX_PAYLOAD_KEYS)`,
    );
  }
  return Buffer.from(payload.data ?? new Uint8Array());
}
