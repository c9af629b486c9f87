import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_TYPES } from '../contract';
import { freePort } from './free-port';
import { tiedToParent } from './tied-to-parent';
import { findOnPath, toolsCacheDir } from './tool-paths';
import { ExitedDuringStart, retryWhenExitedDuringStart } from './wait-ready';

/** Must match TEMPORAL_CLI_VERSION in scripts/ensure-tools.sh, which builds and caches it. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';

/** The Temporal CLI: $TEMPORAL_CLI_PATH, the project's build cache, or `temporal` on PATH. */
export function findTemporalCli(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TEMPORAL_CLI_PATH) return env.TEMPORAL_CLI_PATH;
  const cached = join(toolsCacheDir(env), `temporal-${TEMPORAL_CLI_VERSION}`, 'temporal');
  if (existsSync(cached)) return cached;
  const onPath = findOnPath('temporal', env);
  if (onPath) return onPath;
  throw new Error(
    `Temporal CLI not found (looked at TEMPORAL_CLI_PATH, ${cached}, PATH): run scripts/ensure-tools.sh`,
  );
}

/**
 * The server settings this project runs Temporal with (the compose file's
 * deploy/temporal/dynamicconfig.yaml holds the same; docs/operations.md says why). With the defaults,
 * the history service reads new tasks at most 20 times a second per shard, so every workflow and
 * activity task waits 25–45 ms between scheduled and started on a one-shard server; raised, that gap
 * is a few milliseconds (docs/benchmarks.md). Eager activity execution hands an activity on the
 * workflow's own queue to the worker that completes the workflow task, with no dispatch at all.
 */
export const DISPATCH_SETTINGS: Readonly<Record<string, number | boolean>> = {
  'history.transferProcessorMaxPollRPS': 10_000,
  'system.enableActivityEagerExecution': true,
};

export interface DevServerOptions {
  cliPath?: string;
  /** gRPC port; a free one when omitted. */
  port?: number;
  /** Web UI port; a free one when omitted. */
  uiPort?: number;
  /** The codec endpoint the Web UI decodes payloads with (its settings' `Codec.Endpoint`). */
  uiCodecEndpoint?: string;
  /** SQLite file that keeps workflow histories across restarts; in memory when omitted. */
  dbFile?: string;
  /** Registered at start; the job search attributes (MlxJobId, MlxDeadLetter, …) when omitted. */
  searchAttributes?: Record<
    string,
    'Keyword' | 'Text' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'KeywordList'
  >;
  startTimeoutMs?: number;
  /**
   * Server dynamic configuration, `--dynamic-config-value KEY=VALUE` each (values as JSON);
   * DISPATCH_SETTINGS when omitted (`{}`: Temporal's own defaults).
   */
  dynamicConfig?: Record<string, string | number | boolean>;
}

export interface DevServer {
  /** host:port for TEMPORAL_ADDRESS. */
  address: string;
  uiUrl: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Starts `temporal server start-dev` on 127.0.0.1 and waits until it serves the default namespace. With
 * ports chosen here, a start that loses its port to another process (it was free when picked) is tried
 * again on new ones.
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const fixedPorts = options.port !== undefined || options.uiPort !== undefined;
  return fixedPorts ? startOnce(options) : retryWhenExitedDuringStart(() => startOnce(options));
}

async function startOnce(options: DevServerOptions): Promise<DevServer> {
  const port = options.port ?? (await freePort());
  const uiPort = options.uiPort ?? (await freePort());
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--ui-port',
    String(uiPort),
  ];
  args.push('--log-level', 'error', '--disable-config-file', '--disable-config-env');
  if (options.dbFile) args.push('--db-filename', options.dbFile);
  if (options.uiCodecEndpoint) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  for (const [key, value] of Object.entries(options.dynamicConfig ?? DISPATCH_SETTINGS)) {
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  }
  for (const [name, type] of Object.entries(options.searchAttributes ?? SEARCH_ATTRIBUTE_TYPES)) {
    args.push('--search-attribute', `${name}=${type}`);
  }
  const server = tiedToParent(options.cliPath ?? findTemporalCli(), args);
  const child = spawn(server.command, server.args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let running = true;
  void exited.then(() => (running = false));

  const stop = async () => {
    if (!running || child.pid === undefined) return;
    process.kill(-child.pid, 'SIGTERM');
    const killer = setTimeout(() => running && child.pid && process.kill(-child.pid, 'SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
  };

  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  for (;;) {
    if (!running) throw new ExitedDuringStart(`Temporal dev server exited during start-up: ${stderr.trim()}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.describeNamespace({ namespace: 'default' });
      } finally {
        await connection.close();
      }
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`Temporal dev server did not start on ${address}: ${String(err)} ${stderr.trim()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  return { address, uiUrl: `http://127.0.0.1:${uiPort}`, pid: child.pid!, stop };
}
