import assert from 'node:assert/strict';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { waitForCdp } from '../../src/cdp';
import { ApplicationFailure } from '@temporalio/common';

const VERSION = { Browser: 'Chrome/130.0', webSocketDebuggerUrl: 'ws://127.0.0.1/devtools/browser/x' };

async function serve(handler: RequestListener): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

const browserLike: RequestListener = (req, res) => {
  if (req.url !== '/json/version') return void res.writeHead(404).end();
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(VERSION));
};

test('waitForCdp returns the endpoint a browser announces on /json/version', async () => {
  const { server, port } = await serve(browserLike);
  try {
    assert.deepEqual(await waitForCdp(port), {
      browserVersion: VERSION.Browser,
      webSocketDebuggerUrl: VERSION.webSocketDebuggerUrl,
    });
  } finally {
    await close(server);
  }
});

const unreachable = (message: RegExp) => (err: unknown) =>
  err instanceof ApplicationFailure && err.type === 'CdpUnreachable' && message.test(err.message);

test('nothing listening, or a listener that never answers: CdpUnreachable naming the last error', async () => {
  const { server: unused, port: freePort } = await serve(browserLike);
  await close(unused);
  await assert.rejects(waitForCdp(freePort, { timeoutMs: 500 }), unreachable(/ECONNREFUSED/));

  const { server, port } = await serve(() => undefined); // accepts, never answers
  try {
    await assert.rejects(waitForCdp(port, { timeoutMs: 600 }), unreachable(/probe timed out$/));
  } finally {
    await close(server);
  }
});

test('probing a new port for every browser keeps nothing per port (fetch kept a pool of about 24 KB each)', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const probeNewPort = async () => {
    const { server, port } = await serve(browserLike);
    await waitForCdp(port);
    await close(server);
  };
  for (let i = 0; i < 20; i++) await probeNewPort(); // warm: code, caches
  gc();
  const before = process.memoryUsage().heapUsed;
  const probes = 300;
  for (let i = 0; i < probes; i++) await probeNewPort();
  gc();
  const perProbe = (process.memoryUsage().heapUsed - before) / probes;
  assert.ok(perProbe < 4_000, `the heap grew ${Math.round(perProbe)} bytes per probed port`);
});
