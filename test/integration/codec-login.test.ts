import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultPayloadConverter } from '@temporalio/common';
import { chromium } from 'playwright-core';
import { CHROMIUM_FLAGS } from '../../src/launcher/chromium-process';
import {
  blobStorageDriver,
  createEncryptionCodec,
  createFsBlobStore,
  createKeyRing,
  startCodecServer,
} from '../../src/payload-codec';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

// The codec endpoint's /login form as an operator uses it: in a real (headless) Chromium, which sends
// an Origin header with the form's POST, then the Temporal UI's decode call with the cookie it set.
const UI = 'http://127.0.0.1:8233';
const TOKEN = 'codec-login-token-0123456789';

test('the codec /login form works from a real browser, and its cookie then authenticates decode', async (t) => {
  const codec = createEncryptionCodec(createKeyRing([{ id: 'k1', key: randomBytes(32) }]));
  const store = createFsBlobStore(mkdtempSync(join(tmpdir(), 'mlx-codec-login-')));
  const server = await startCodecServer({
    codecs: [codec],
    driver: blobStorageDriver(store),
    token: TOKEN,
    allowedOrigins: [UI],
  });
  t.after(() => server.close());
  const browser = await chromium.launch({
    executablePath: process.env.MLX_CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [...CHROMIUM_FLAGS, ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
  });
  t.after(() => browser.close());
  const page = await browser.newPage();
  await page.goto(`${server.url}/login`);
  await page.getByLabel('Codec token').fill(TOKEN);
  const [answer] = await Promise.all([
    page.waitForResponse(`${server.url}/login`),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ]);
  assert.equal(answer.status(), 200, await answer.text());
  const origin = await answer.request().headerValue('origin');
  assert.equal(origin, server.url, 'the browser sent its Origin, as browsers do with a form POST');
  assert.match((await page.textContent('body')) ?? '', /signed in/);
  // The cookie is the browser's now: a decode call from the page carries it, without the token.
  const [sealed] = await codec.encode([defaultPayloadConverter.toPayload('decoded in the browser')]);
  const decoded = await page.evaluate(
    async ({ url, payload }) => {
      const res = await fetch(`${url}/decode`, {
        method: 'POST',
        credentials: 'include',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ payloads: [payload] }),
      });
      return { status: res.status, body: await res.text() };
    },
    {
      url: server.url,
      payload: { metadata: toBase64(sealed!.metadata!), data: Buffer.from(sealed!.data!).toString('base64') },
    },
  );
  assert.equal(decoded.status, 200, decoded.body);
  const [plain] = (JSON.parse(decoded.body) as { payloads: { data: string }[] }).payloads;
  assert.equal(Buffer.from(plain!.data, 'base64').toString(), '"decoded in the browser"');
});

function toBase64(metadata: Record<string, Uint8Array | null | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(metadata).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')]),
  );
}
