import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ApplicationFailure, defaultPayloadConverter, type Payload } from '@temporalio/common';
import { isRefusedPayload } from '../../src/contract';
import {
  blobStorageDriver,
  createEncryptionCodec,
  createFsBlobStore,
  createKeyRing,
  createRedisBlobStore,
  sweepBlobs,
  UNOWNED,
} from '../../src/payload-codec';

const k1 = { id: 'k1', key: Buffer.alloc(32, 1) };
const k2 = { id: 'k2', key: Buffer.alloc(32, 2) };
const SECRET = 'buyer Siti Nurhaliza, 12 Jalan Ampang';
const plain = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const text = (p: Payload) => Buffer.from(p.data ?? new Uint8Array()).toString('utf8');
const meta = (p: Payload, key: string) => Buffer.from(p.metadata?.[key] ?? new Uint8Array()).toString();

void describe('the encryption codec', () => {
  void it('seals metadata and data, names the key, and opens to the same payload', async () => {
    const codec = createEncryptionCodec(createKeyRing([k1]));
    const original = plain({ buyer: SECRET });
    const [sealed] = await codec.encode([original]);
    assert.equal(meta(sealed!, 'encoding'), 'binary/encrypted');
    assert.equal(meta(sealed!, 'encryption-key-id'), 'k1');
    assert.ok(!text(sealed!).includes('Siti'), 'the data is not readable');
    assert.ok(!JSON.stringify(sealed!.metadata).includes('json/plain'), 'the inner encoding is sealed too');
    const [opened] = await codec.decode([sealed!]);
    assert.deepEqual(defaultPayloadConverter.fromPayload(opened!), { buyer: SECRET });
  });

  void it('rotates: a new key encrypts, the old one still decrypts', async () => {
    const [old] = await createEncryptionCodec(createKeyRing([k1])).encode([plain('before rotation')]);
    const rotated = createEncryptionCodec(createKeyRing([k2, k1]));
    const [fresh] = await rotated.encode([plain('after rotation')]);
    assert.equal(meta(fresh!, 'encryption-key-id'), 'k2');
    const decoded = await rotated.decode([old!, fresh!]);
    assert.deepEqual(
      decoded.map((p) => defaultPayloadConverter.fromPayload(p)),
      ['before rotation', 'after rotation'],
    );
  });

  void it('passes unencrypted payloads of older runs through', async () => {
    const codec = createEncryptionCodec(createKeyRing([k1]));
    const old = plain({ recorded: 'before encryption' });
    assert.deepEqual(await codec.decode([old]), [old]);
  });

  void it("a worker's codec decodes a plaintext payload to a refusal, an encrypted one as it was", async () => {
    const codec = createEncryptionCodec(createKeyRing([k1]), { refusePlaintext: true });
    const [refused] = await codec.decode([plain({ spec: 'forged' })]);
    const value = JSON.parse(new TextDecoder().decode(refused!.data!)) as unknown;
    assert.ok(isRefusedPayload(value));
    assert.doesNotMatch(JSON.stringify(value), /forged/, 'nothing of the plaintext passes');
    const sealed = await codec.encode([plain({ spec: 'sealed' })]);
    const [opened] = await codec.decode(sealed);
    assert.deepEqual(defaultPayloadConverter.fromPayload(opened!), { spec: 'sealed' });
  });

  void it('refuses a changed ciphertext and an unknown key, naming the key id only', async () => {
    const [sealed] = await createEncryptionCodec(createKeyRing([k1])).encode([plain(SECRET)]);
    const changed = { ...sealed!, data: Buffer.from(sealed!.data!).fill(0, 20, 21) };
    await assert.rejects(
      createEncryptionCodec(createKeyRing([k1])).decode([changed]),
      /does not authenticate/,
    );
    await assert.rejects(createEncryptionCodec(createKeyRing([k2])).decode([sealed!]), /key "k1", which/);
  });
});

void describe('the claim-check driver over the filesystem store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mlx-blobs-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const store = createFsBlobStore(dir);
  const driver = blobStorageDriver(store);
  const workflow = (id: string) => ({ target: { kind: 'workflow' as const, namespace: 'default', id } });

  void it('stores a payload by its SHA-256 and gives it back, checked', async () => {
    const big = plain({ rows: 'x'.repeat(300_000) });
    const [claim] = await driver.store(workflow('mlx-job-a'), [big]);
    assert.match(claim!.claimData.key!, /^[0-9a-f]{64}$/);
    assert.equal(claim!.claimData.sha256, claim!.claimData.key);
    assert.ok(Number(claim!.claimData.size) > 300_000);
    const [back] = await driver.retrieve({}, [claim!]);
    assert.deepEqual(defaultPayloadConverter.fromPayload(back!), { rows: 'x'.repeat(300_000) });
  });

  void it('refuses a blob whose bytes no longer match the reference', async () => {
    const [claim] = await driver.store(workflow('mlx-job-b'), [plain('original bytes')]);
    const object = join(dir, 'objects', claim!.claimData.key!);
    const bytes = readFileSync(object);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
    await store.put(claim!.claimData.key!, bytes, 'mlx-job-b');
    await assert.rejects(driver.retrieve({}, [claim!]), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.type, 'PayloadMissing');
      assert.match(err.message, /in the claim-check store \(fs, .*\) does not match its reference/);
      return true;
    });
  });

  void it('fails typed, naming the store and the reason, when a blob cannot be read', async () => {
    const [claim] = await driver.store(workflow('mlx-job-c'), [plain('about to become unreadable')]);
    const object = join(dir, 'objects', claim!.claimData.key!);
    rmSync(object);
    mkdirSync(object); // reading it now fails with EISDIR
    const err = await driver.retrieve({}, [claim!]).then(
      () => assert.fail('an unreadable blob must not be returned'),
      (e: unknown) => e,
    );
    rmSync(object, { recursive: true });
    assert.ok(err instanceof ApplicationFailure);
    assert.equal(err.type, 'PayloadStoreUnavailable');
    assert.equal(err.nonRetryable, false, 'retried by the step policy');
    assert.equal(
      err.message,
      `the claim-check store (fs, ${dir}) could not read claim-check blob ${claim!.claimData.key!}: EISDIR`,
    );
  });

  void it('sweeps blobs of workflows Temporal no longer has, keeping shared and live ones', async () => {
    const shared = plain('the same output in two jobs');
    const [claimShared] = await driver.store(workflow('mlx-job-gone'), [shared]);
    await driver.store(workflow('mlx-job-live'), [shared]);
    const [claimGone] = await driver.store(workflow('mlx-job-gone'), [plain('only the gone job')]);
    const [claimYoung] = await driver.store(workflow('mlx-job-young'), [plain('just written')]);
    const live = new Set(['mlx-job-live', 'mlx-job-a']);
    const exists = (id: string) => Promise.resolve(live.has(id));

    // Within the grace period nothing is dropped, whatever Temporal says.
    const early = await sweepBlobs({ store, workflowExists: exists, graceMs: 60_000, unownedRetentionMs: 1 });
    assert.equal(early.removedBlobs, 0);

    const later = Date.now() + 120_000;
    const swept = await sweepBlobs({
      store,
      workflowExists: (id) => Promise.resolve(live.has(id) || id === 'mlx-job-young'),
      graceMs: 60_000,
      unownedRetentionMs: 1,
      now: () => later,
    });
    assert.ok(swept.droppedOwners.includes('mlx-job-gone'));
    await assert.rejects(driver.retrieve({}, [claimGone!]), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.type, 'PayloadMissing', 'not retried: the blob will not come back');
      assert.equal(
        err.message,
        `claim-check blob ${claimGone!.claimData.key!} is not in the claim-check store (fs, ${dir}): removed after its retention, or written to another store`,
      );
      return true;
    });
    assert.ok(await driver.retrieve({}, [claimShared!]), 'still referred to by a live job');
    assert.ok(await driver.retrieve({}, [claimYoung!]));
    assert.ok(!(await store.owners()).includes('mlx-job-gone'));
  });

  void it('keeps blobs that name no workflow until their own retention', async () => {
    const [claim] = await driver.store({}, [plain('from a standalone activity')]);
    assert.ok((await store.owners()).includes(UNOWNED));
    const none = () => Promise.resolve(false);
    await sweepBlobs({ store, workflowExists: none, graceMs: 0, unownedRetentionMs: 3_600_000 });
    assert.ok(await driver.retrieve({}, [claim!]));
    await sweepBlobs({
      store,
      workflowExists: none,
      graceMs: 0,
      unownedRetentionMs: 1_000,
      now: () => Date.now() + 5_000,
    });
    await assert.rejects(driver.retrieve({}, [claim!]), /is not in the claim-check store \(fs, /);
  });
});

void describe('the Redis claim-check store', () => {
  void it('names its Redis in messages without the credentials of its URL', async () => {
    const store = createRedisBlobStore('redis://mlx:hunter2-secret@127.0.0.1:6390/2');
    assert.equal(store.location, '127.0.0.1:6390');
    await store.close(); // nothing was opened: the connection is made on first use
  });
});
