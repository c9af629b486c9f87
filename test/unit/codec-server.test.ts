import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import {
  blobStorageDriver,
  createEncryptionCodec,
  createFsBlobStore,
  createKeyRing,
  startCodecServer,
  type CodecServer,
} from '../../src/payload-codec';

const TOKEN = 'codec-token-0123456789abcdef';
const UI = 'http://127.0.0.1:8233';
const codec = createEncryptionCodec(createKeyRing([{ id: 'k1', key: Buffer.alloc(32, 3) }]));
const dir = mkdtempSync(join(tmpdir(), 'mlx-codec-'));
const driver = blobStorageDriver(createFsBlobStore(dir));
let server: CodecServer;
before(async () => {
  server = await startCodecServer({ codecs: [codec], driver, token: TOKEN, allowedOrigins: [UI] });
});
after(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const json = (p: Payload) => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  ),
  data: Buffer.from(p.data!).toString('base64'),
});
const post = (path: string, payloads: Payload[], headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
    body: JSON.stringify({ payloads: payloads.map(json) }),
  });
const values = async (response: Response) => {
  const body = (await response.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
  return body.payloads.map((p) =>
    defaultPayloadConverter.fromPayload({
      metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
      data: Buffer.from(p.data, 'base64'),
    }),
  );
};

test('decode needs the token; with it, encrypted payloads come back in clear', async () => {
  const [sealed] = await codec.encode([defaultPayloadConverter.toPayload({ buyer: 'Siti' })]);
  assert.equal((await post('/decode', [sealed!])).status, 401);
  assert.equal(
    (await post('/decode', [sealed!], { authorization: 'Bearer wrong-token-0123456789' })).status,
    401,
  );
  const ok = await post('/decode', [sealed!], { authorization: `Bearer ${TOKEN}` });
  assert.equal(ok.status, 200);
  assert.deepEqual(await values(ok), [{ buyer: 'Siti' }]);
});

test('CORS admits the Temporal UI origin only', async () => {
  const preflight = await fetch(`${server.url}/decode`, {
    method: 'OPTIONS',
    headers: { origin: UI, 'access-control-request-method': 'POST' },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-origin'), UI);
  assert.equal(preflight.headers.get('access-control-allow-credentials'), 'true');
  assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /x-namespace/);
  const other = await fetch(`${server.url}/decode`, {
    method: 'OPTIONS',
    headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
  });
  assert.equal(other.status, 403);
  assert.equal(other.headers.get('access-control-allow-origin'), null);
});

test('the UI signs in once: the session cookie authenticates decode calls', async () => {
  const wrong = await fetch(`${server.url}/login`, {
    method: 'POST',
    body: new URLSearchParams({ token: 'nope' }),
  });
  assert.equal(wrong.status, 401);
  const login = await fetch(`${server.url}/login`, {
    method: 'POST',
    body: new URLSearchParams({ token: TOKEN }),
  });
  const cookie = login.headers.get('set-cookie') ?? '';
  assert.match(cookie, /HttpOnly/);
  assert.ok(!cookie.includes(TOKEN), 'the cookie is not the token');
  const [sealed] = await codec.encode([defaultPayloadConverter.toPayload('via cookie')]);
  const ok = await post('/decode', [sealed!], { cookie: cookie.split(';')[0]!, origin: UI });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('access-control-allow-origin'), UI);
  assert.deepEqual(await values(ok), ['via cookie']);
});

test('a claim-check reference is resolved from the blob store, then decrypted', async () => {
  const [sealed] = await codec.encode([defaultPayloadConverter.toPayload({ rows: 'r'.repeat(1000) })]);
  const [claim] = await driver.store({ target: { kind: 'workflow', namespace: 'default', id: 'w' } }, [
    sealed!,
  ]);
  const reference: Payload = {
    metadata: {
      encoding: Buffer.from('json/protobuf'),
      messageType: Buffer.from('temporal.api.sdk.v1.ExternalStorageReference'),
    },
    data: Buffer.from(JSON.stringify({ driverName: driver.name, claimData: claim!.claimData })),
  };
  const ok = await post('/decode', [reference], { authorization: `Bearer ${TOKEN}` });
  assert.deepEqual(await values(ok), [{ rows: 'r'.repeat(1000) }]);
});

test("the UI endpoint carries the session in its path: decode with nothing else, only that session's", async () => {
  const [sealed] = await codec.encode([defaultPayloadConverter.toPayload({ buyer: 'Siti' })]);
  const at = (url: string, origin = UI) =>
    fetch(`${url}/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin },
      body: JSON.stringify({ payloads: [json(sealed!)] }),
    });
  assert.ok(server.uiEndpoint.startsWith(`${server.url}/ui/`));
  const ok = await at(server.uiEndpoint);
  assert.equal(ok.status, 200);
  assert.deepEqual(await values(ok), [{ buyer: 'Siti' }]);
  const forged = server.uiEndpoint.replace(/[0-9a-f]{8}$/, '00000000');
  assert.equal((await at(forged)).status, 401, 'another session is refused');
  assert.equal((await at(`${server.url}/ui/not-a-session`)).status, 404);
  assert.equal((await at(server.uiEndpoint, 'http://evil.example')).status, 403, 'other origins are refused');
});
