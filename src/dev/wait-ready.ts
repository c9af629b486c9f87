import type { ChildProcess } from 'node:child_process';

/** A server that exited before it served: with ports picked free just before, most often one was taken since. */
export class ExitedDuringStart extends Error {}

/**
 * Runs `start` (which picks free ports, then starts a server on them) again, on new ports, when the server
 * exited during start-up: between the pick and the bind another process (a browser, another test's
 * server) can take a port. At most `attempts` starts.
 */
export async function retryWhenExitedDuringStart<T>(start: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (attempt >= attempts || !(err instanceof ExitedDuringStart)) throw err;
    }
  }
}

/**
 * Waits until `readyUrl` answers 2xx for a server this process started; stops it (`stop`) and throws,
 * with the tail of its stderr, when it exits first or does not get ready in time.
 */
export async function waitUntilServing(server: {
  name: string;
  child: ChildProcess;
  readyUrl: string;
  stderr: () => string;
  stop: () => Promise<void>;
  timeoutMs: number;
}): Promise<void> {
  const deadline = Date.now() + server.timeoutMs;
  for (;;) {
    if (server.child.exitCode !== null) {
      await server.stop();
      throw new ExitedDuringStart(
        `${server.name} exited during start-up (run scripts/ensure-tools.sh): ${server.stderr()}`,
      );
    }
    const ready = await fetch(server.readyUrl).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return;
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`${server.name} did not start: ${server.stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
