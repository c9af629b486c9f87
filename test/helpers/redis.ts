import { spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { freePort } from '../../src/dev/free-port';
import { tiedToParent } from '../../src/dev/tied-to-parent';
import { ExitedDuringStart, retryWhenExitedDuringStart } from '../../src/dev/wait-ready';
import { testFileStem } from './test-file';

export interface RedisServer {
  url: string;
  stop(): Promise<void>;
}

/** A server this process started: its pid is redis-server's own (setpriv execs it), for /proc readings. */
export type StartedRedis = RedisServer & { pid: number };

/**
 * Debian's redis-server on a loopback port (a free one by default). Nothing persisted, unless `aofDir`
 * is given: then every write is appended to an AOF there and fsynced before it is acknowledged
 * (`appendfsync always`), so a restart on the same directory keeps every lease.
 */
export function startRedis(timeoutMs = 10_000, port?: number, aofDir?: string): Promise<StartedRedis> {
  if (port !== undefined) return startRedisOnce(timeoutMs, port, aofDir);
  // On a port picked free just before: picked again when another process took it first.
  return retryWhenExitedDuringStart(async () => startRedisOnce(timeoutMs, await freePort(), aofDir));
}

async function startRedisOnce(timeoutMs: number, port: number, aofDir?: string): Promise<StartedRedis> {
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
    if (child.exitCode !== null)
      throw new ExitedDuringStart(`redis-server exited during start-up on ${port}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not start on ${String(port)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** What test/suite/run.ts passes to every test file: the run's one Redis. */
export const SHARED_REDIS_ENV = 'MLX_TEST_REDIS_URL';

let prefixes = 0;

/** A Redis for one test file: the run's shared one, or its own, and the key prefix it must use. */
export type TestRedis = RedisServer & { prefix: string };

/**
 * The run's shared Redis with a key prefix of this caller's own (`t:<file>:<pid>:<n>`), or, for a file
 * run alone, a Redis of its own. stop() stops only a server this call started.
 */
export async function redisForTest(): Promise<TestRedis> {
  const prefix = `t:${testFileStem()}:${process.pid}:${++prefixes}`;
  const url = process.env[SHARED_REDIS_ENV];
  if (url) return { url, prefix, stop: () => Promise.resolve() };
  return { ...(await startRedis()), prefix };
}
