import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tiedToParent } from './tied-to-parent';

export interface SpawnedServer {
  child: ChildProcess;
  /** The last few KiB it wrote to stderr (and a spawn error), for the message when it does not start. */
  stderr: () => string;
  /** Stops it (SIGTERM), waits for it to exit, and removes `dir`. */
  stop: () => Promise<void>;
}

/** A server process tied to this one (./tied-to-parent.ts), its state in `dir`. */
export function spawnServer(command: string, args: string[], dir: string): SpawnedServer {
  const server = tiedToParent(command, args);
  const child = spawn(server.command, server.args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('error', (err) => (stderr += String(err)));
  return {
    child,
    stderr: () => stderr,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
