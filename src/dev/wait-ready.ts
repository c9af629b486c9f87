import type { ChildProcess } from 'node:child_process';

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
      throw new Error(
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
