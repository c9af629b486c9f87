import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { childrenOf, processEnded, waitUntil } from '../helpers/processes';

const ROOT = join(__dirname, '..', '..');

/** Starts the four servers the tests and the demo use, prints "ready", and waits to be killed. */
const STARTER = `
const dev = require(${JSON.stringify(join(ROOT, 'src', 'dev', 'temporal-dev-server.ts'))});
const jaeger = require(${JSON.stringify(join(ROOT, 'src', 'dev', 'jaeger.ts'))});
const prometheus = require(${JSON.stringify(join(ROOT, 'src', 'dev', 'prometheus.ts'))});
const redis = require(${JSON.stringify(join(ROOT, 'test', 'helpers', 'redis.ts'))});
Promise.all([dev.startDevServer(), jaeger.startJaeger(), prometheus.startPrometheus({ targets: [] }), redis.startRedis()])
  .then(() => console.log('ready'), (err) => { console.error(err); process.exit(1); });
setInterval(() => {}, 60_000);
`;

test('servers started by a process that is killed with SIGKILL end with it', async () => {
  const starter = spawn(process.execPath, ['--import', 'tsx', '-e', STARTER], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const pid = starter.pid!;
  const exited = new Promise((resolve) => starter.once('exit', resolve));
  let servers: { pid: number; name: string }[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      starter.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
      starter.once('exit', (code) => reject(new Error(`the starter exited (${String(code)})`)));
    });
    // tsx's esbuild service is a child too, and ends by itself when its stdin closes.
    servers = childrenOf(pid).filter((child) => child.name !== 'esbuild');
    assert.deepEqual(
      servers.map((server) => server.name).sort(),
      ['jaeger', 'prometheus', 'redis-server', 'temporal'],
      'the starter runs the four servers as its own children',
    );

    starter.kill('SIGKILL'); // no exit handler runs: only the kernel's parent-death signal can stop them
    await exited;
    await waitUntil(
      () => servers.every((server) => processEnded(server.pid)),
      20_000,
      'every server to end after its parent was killed',
    );
  } finally {
    if (starter.exitCode === null && starter.signalCode === null) starter.kill('SIGKILL');
    for (const server of servers) if (!processEnded(server.pid)) process.kill(server.pid, 'SIGKILL');
  }
});
