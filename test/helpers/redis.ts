import { spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { freePort } from '../../src/dev/free-port';
import { tiedToParent } from '../../src/dev/tied-to-parent';

export interface RedisServer {
  url: string;
  stop(): Promise<void>;
}

/**
 * Debian's redis-server on a loopback port (a free one by default). Nothing persisted, unless `aofDir`
 * is given: then every write is appended to an AOF there and fsynced before it is acknowledged
 * (`appendfsync always`), so a restart on the same directory keeps every lease.
 */
export async function startRedis(timeoutMs = 10_000, port?: number, aofDir?: string): Promise<RedisServer> {
  port ??= await freePort();
  const persistence = aofDir
    ? ['--dir', aofDir, '--appendonly', 'yes', '--appendfsync', 'always']
    : ['--appendonly', 'no'];
  const flags = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence];
  const server = tiedToParent('redis-server', flags);
  const child = spawn(server.command, server.args, { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + timeoutMs;
  while (
    !(await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    }))
  ) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`redis-server did not start on ${String(port)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
