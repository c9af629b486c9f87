import { findOnPath } from './tool-paths';

export interface CommandLine {
  command: string;
  args: string[];
}

/** setpriv's path (null: not found), looked up at the first spawn. */
let setprivPath: string | null | undefined;

/**
 * The command line that runs `command` so that it is sent SIGTERM when the process that spawns it
 * dies, however it dies. A test runner stopped by SIGKILL (or a timeout) runs no exit handler, so
 * without this the servers it started (the Temporal dev server, Redis, Jaeger, a worker) would keep
 * their ports and CPU until someone found them.
 *
 * util-linux's `setpriv --pdeathsig` sets the kernel's parent-death signal and then execs the
 * command, so the pid the caller gets is the server's own and its own signals reach it as before.
 * The kernel sends the signal when the thread that spawned the child ends: spawn from the main thread.
 * Where setpriv is missing (not Linux), the command runs as given, and a killed parent can leave it
 * behind.
 */
export function tiedToParent(command: string, args: readonly string[]): CommandLine {
  const setpriv = (setprivPath ??= findOnPath('setpriv') ?? null);
  if (!setpriv) return { command, args: [...args] };
  return { command: setpriv, args: ['--pdeathsig', 'TERM', '--', command, ...args] };
}
