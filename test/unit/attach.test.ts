import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { connectProfileBrowser } from '../../src/cdp';

test('a browser that announces its endpoint but never completes the attach fails within the one budget', async () => {
  // Answers /json/version (waitForCdp asks without the slash, Playwright with it); takes the
  // WebSocket upgrade and never answers it, as a starved or wedged browser would.
  const server = createServer((req, res) => {
    if (!req.url?.startsWith('/json/version')) return void res.writeHead(404).end();
    const { port } = server.address() as AddressInfo;
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        Browser: 'Chrome/130.0',
        webSocketDebuggerUrl: `ws://127.0.0.1:${port}/devtools/browser/x`,
      }),
    );
  });
  const upgraded: Socket[] = [];
  server.on('upgrade', (_req, socket: Socket) => upgraded.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const timeoutMs = 2_500;
    await assert.rejects(connectProfileBrowser('127.0.0.1', port, { timeoutMs }), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure, String(err));
      assert.equal(err.type, 'CdpUnreachable');
      assert.match(
        err.message,
        new RegExp(`^Playwright could not attach over CDP at 127\\.0\\.0\\.1:${port} within \\d+ ms`),
      );
      const { attach_ms } = err.details?.[0] as { attach_ms: number };
      assert.ok(
        attach_ms >= 1_000 && attach_ms <= timeoutMs,
        `Playwright was given ${attach_ms} ms of ${timeoutMs}`,
      );
      return true;
    });
  } finally {
    for (const socket of upgraded) socket.destroy(); // not the server's to close once upgraded
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
