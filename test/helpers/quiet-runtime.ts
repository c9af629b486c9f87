import { DefaultLogger, Runtime, type Logger } from '@temporalio/worker';

let installed = false;

/**
 * The Temporal runtime of a test process: its lines at WARN and up through `logger`, and none of the
 * SDK's own SIGINT handlers inside the test runner. Installed once per process, by whichever file loads
 * first: the runner puts most unit files in one process, and the runtime can be installed only once.
 */
export function installQuietRuntime(logger: Logger = new DefaultLogger('WARN')): void {
  if (installed) return;
  installed = true;
  Runtime.install({ logger, shutdownSignals: [] });
}
