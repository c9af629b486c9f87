import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { z } from 'zod';
import { silentLogger, type Logger } from '../telemetry';
import type { profileStateSchema, startProfileDataSchema } from '../mlx';
import { adoptChromium, launchChromium, type ChromiumProcess } from './chromium-process';
import { createFaultSwitch, faultReply, routeFaults, type FaultSwitch } from './faults';
import { error, idParam, ok, type Reply } from './reply';
import { runningRecords, toChromiumRecord } from './running-records';

export interface LocalLauncherOptions {
  chromiumPath?: string;
  /**
   * Profiles keep their user-data dir under `<dataDir>/profiles/<profileId>`, so cookies outlive a job;
   * `<dataDir>/running/` remembers the browsers running, so a restarted launcher finds (and can stop)
   * those an earlier, killed launcher left behind.
   */
  dataDir: string;
  /** Loopback only: the launcher starts processes for whoever asks (the token check is optional). */
  host?: string;
  port?: number;
  log?: Logger;
  /** Serves the fault switch (`/_faults`): for tests and drills, never on a production agent. */
  faults?: boolean;
  /** When set, every `/api` call must carry `Authorization: Bearer <token>` that this accepts; else 401. */
  acceptsToken?: (token: string) => boolean;
  /** Serve https with this certificate and key (PEM), as the real agent does on launcher.mlx.yt. */
  tls?: { cert: string | Buffer; key: string | Buffer };
}

export interface RunningProfile {
  profileId: string;
  pid: number;
  port: number;
}

export interface LocalLauncher {
  url: string;
  port: number;
  /** Stops every browser, then the server. */
  close(): Promise<void>;
  runningProfiles(): RunningProfile[];
  /** The fault switch, when enabled by `faults: true`. */
  faults?: FaultSwitch;
}

export const LOCAL_LAUNCHER_VERSION = '0.1.0';

type Entry =
  | { phase: 'starting'; folderId: string; startedAt: number; settled: Promise<unknown> }
  | { phase: 'running'; folderId: string; browser: ChromiumProcess; startedAt: number }
  | {
      phase: 'stopping';
      folderId: string;
      browser: ChromiumProcess;
      startedAt: number;
      settled: Promise<unknown>;
    };

type ProfileState = z.input<typeof profileStateSchema>;

const STATUS_OF_PHASE = {
  starting: 'start_browser',
  running: 'browser_running',
  stopping: 'stop_browser',
} as const;
// The local launcher stands in for Mimic, MLX's Chromium-based browser, the one Playwright can drive.
const BROWSER_TYPE = 'mimic';

/** The MLX launcher API, served on loopback, with a real Chromium per profile. */
export async function startLocalLauncher(options: LocalLauncherOptions): Promise<LocalLauncher> {
  const { chromiumPath = '/usr/bin/chromium', host = '127.0.0.1', port = 0, log = silentLogger } = options;
  if (!isLoopback(host)) throw new RangeError(`local launcher host must be a loopback address, got ${host}`);
  const profilesDir = join(resolve(options.dataDir), 'profiles');
  const entries = new Map<string, Entry>();
  const faults = options.faults ? createFaultSwitch() : undefined;
  const records = runningRecords(resolve(options.dataDir));
  let closing = false;

  const forget = (profileId: string): Promise<void> =>
    records.remove(profileId).catch((err: unknown) => {
      log.error('could not remove the running record', { profile_id: profileId, err });
    });

  /** A browser is running: serve it, and forget it if it exits by itself. */
  function track(profileId: string, folderId: string, browser: ChromiumProcess, startedAt: number): void {
    const running: Entry = { phase: 'running', folderId, browser, startedAt };
    entries.set(profileId, running);
    void browser.exited.then(async (exit) => {
      if (entries.get(profileId) !== running) return;
      entries.delete(profileId);
      await forget(profileId);
      log.warn('browser exited by itself', { profile_id: profileId, pid: browser.pid, ...exit });
    });
  }

  // Browsers an earlier launcher on this data dir started and could not stop (its process was killed).
  for (const record of await records.readAll()) {
    const browser = await adoptChromium(
      toChromiumRecord(record),
      log.child({ profile_id: record.profile_id }),
    );
    if (!browser) {
      await forget(record.profile_id);
      continue;
    }
    track(record.profile_id, record.folder_id, browser, record.started_at);
    log.warn('found a browser left running by an earlier launcher', {
      profile_id: record.profile_id,
      pid: browser.pid,
    });
  }

  async function start(profileId: string, folderId: string, headless: boolean): Promise<Reply> {
    for (let entry = entries.get(profileId); entry; entry = entries.get(profileId)) {
      if (entry.phase !== 'stopping') {
        return error(400, 'PROFILE_ALREADY_RUNNING', 'browser process is running');
      }
      await entry.settled;
    }
    if (closing) return error(503, 'LAUNCHER_CLOSING', 'the local launcher is shutting down');

    const launching = launchChromium({
      chromiumPath,
      userDataDir: join(profilesDir, profileId),
      headless,
      log: log.child({ profile_id: profileId }),
    });
    const starting: Entry = {
      phase: 'starting',
      folderId,
      startedAt: Date.now(),
      settled: launching.catch(() => undefined),
    };
    entries.set(profileId, starting);
    let browser: ChromiumProcess;
    try {
      browser = await launching;
    } catch (err) {
      entries.delete(profileId);
      log.error('browser start failed', { profile_id: profileId, err });
      return error(500, 'BROWSER_START_FAILED', err instanceof Error ? err.message : String(err));
    }
    const startedAt = Date.now();
    await records
      .write({
        profile_id: profileId,
        folder_id: folderId,
        pid: browser.pid,
        port: browser.port,
        user_data_dir: browser.userDataDir,
        browser_version: browser.browserVersion,
        web_socket_debugger_url: browser.webSocketDebuggerUrl,
        started_at: startedAt,
      })
      .catch((err: unknown) =>
        log.error('could not write the running record', { profile_id: profileId, err }),
      );
    track(profileId, folderId, browser, startedAt);
    log.info('profile started', {
      profile_id: profileId,
      folder_id: folderId,
      pid: browser.pid,
      port: browser.port,
    });
    const data: z.input<typeof startProfileDataSchema> = {
      browser_type: BROWSER_TYPE,
      core_version: coreVersion(browser),
      id: profileId,
      is_quick: false,
      port: String(browser.port),
    };
    return ok('Profile started successfully', data);
  }

  /** Resolves false when the profile was not running. A start in progress is waited for, then stopped. */
  async function stop(profileId: string): Promise<boolean> {
    for (let entry = entries.get(profileId); entry; entry = entries.get(profileId)) {
      if (entry.phase === 'starting') {
        await entry.settled;
        continue;
      }
      if (entry.phase === 'stopping') {
        await entry.settled;
        return true;
      }
      const { browser } = entry;
      const settled = browser.stop().then(() => forget(profileId));
      const stopping: Entry = { ...entry, phase: 'stopping', settled };
      entries.set(profileId, stopping);
      try {
        await stopping.settled;
      } finally {
        if (entries.get(profileId) === stopping) entries.delete(profileId);
      }
      log.info('profile stopped', { profile_id: profileId, pid: browser.pid });
      return true;
    }
    return false;
  }

  function stateOf(profileId: string, entry: Entry): ProfileState {
    const browser = entry.phase === 'starting' ? undefined : entry.browser;
    return {
      profile_id: profileId,
      status: STATUS_OF_PHASE[entry.phase],
      folder_id: entry.folderId,
      browser_type: BROWSER_TYPE,
      ...(browser && { core_version: coreVersion(browser), port: String(browser.port) }),
      is_quick: false,
      message: '',
      timestamp: entry.startedAt,
    };
  }

  function authorized(header: string | undefined): boolean {
    if (!options.acceptsToken) return true;
    const token = /^Bearer (.+)$/.exec(header ?? '')?.[1];
    return token !== undefined && options.acceptsToken(token);
  }

  async function route(
    method: string,
    url: URL,
    authorization: string | undefined,
    body: () => Promise<string>,
  ): Promise<Reply> {
    const path = url.pathname;
    if (faults && (path === '/_faults' || path.startsWith('/_faults/'))) {
      return routeFaults(faults, method, path, body, log);
    }
    if (!authorized(authorization)) return error(401, 'UNAUTHORIZED', 'invalid or expired token');
    if (method !== 'GET') return error(405, 'METHOD_NOT_ALLOWED', `${method} is not supported on ${path}`);

    let match = /^\/api\/v2\/profile\/f\/([^/]+)\/p\/([^/]+)\/start$/.exec(path);
    if (match) {
      const folderId = idParam('folder_id', match[1]);
      const profileId = idParam('profile_id', match[2]);
      if (typeof folderId !== 'string') return folderId;
      if (typeof profileId !== 'string') return profileId;
      const automationType = url.searchParams.get('automation_type');
      if (automationType !== 'playwright') {
        return error(
          400,
          'UNSUPPORTED_AUTOMATION_TYPE',
          `automation_type must be playwright: the local launcher serves CDP only (got ${automationType ?? 'none'})`,
        );
      }
      const headlessMode = url.searchParams.get('headless_mode') ?? 'false';
      if (headlessMode !== 'true' && headlessMode !== 'false') {
        return error(400, 'INVALID_PARAMETER', `headless_mode must be true or false, got ${headlessMode}`);
      }
      const fault = faults?.take(profileId);
      if (fault) {
        log.info('fault answered', { profile_id: profileId, error: fault.error });
        return faultReply(fault);
      }
      return start(profileId, folderId, headlessMode === 'true');
    }

    match = /^\/api\/v1\/profile\/stop\/p\/([^/]+)$/.exec(path);
    if (match) {
      const profileId = idParam('profile_id', match[1]);
      if (typeof profileId !== 'string') return profileId;
      return (await stop(profileId))
        ? ok('Profile stopped')
        : error(500, 'PROFILE_NOT_RUNNING', 'Profile already stopped');
    }

    if (path === '/api/v1/profile/stop_all') {
      await Promise.all([...entries.keys()].map(stop));
      return ok('All profiles stopped');
    }

    match = /^\/api\/v1\/profile\/status\/p\/([^/]+)$/.exec(path);
    if (match) {
      const profileId = idParam('profile_id', match[1]);
      if (typeof profileId !== 'string') return profileId;
      const entry = entries.get(profileId);
      return entry
        ? ok('Profile status', stateOf(profileId, entry))
        : ok('Profile status', { profile_id: profileId, status: 'stopped', is_quick: false });
    }

    if (path === '/api/v1/profile/statuses') {
      const states: Record<string, ProfileState> = {};
      for (const [profileId, entry] of entries) states[profileId] = stateOf(profileId, entry);
      return ok('Profile statuses', { active_counter: { cloud: 0, local: entries.size, quick: 0 }, states });
    }

    if (path === '/api/v1/version') return ok('Version', { version: LOCAL_LAUNCHER_VERSION, env: 'local' });

    return error(404, 'NOT_FOUND', `no such endpoint: ${path}`);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let reply: Reply;
    try {
      reply = await route(
        req.method ?? 'GET',
        new URL(req.url ?? '/', 'http://launcher.local'),
        req.headers.authorization,
        () => readBody(req),
      );
    } catch (err) {
      log.error('request failed', { method: req.method, path: req.url?.split('?')[0], err });
      reply = error(500, 'INTERNAL_ERROR', err instanceof Error ? err.message : String(err));
    }
    log.debug('request', { method: req.method, path: req.url?.split('?')[0], http_code: reply.httpCode });
    if (reply.drop) {
      req.socket.destroy();
      return;
    }
    const body = JSON.stringify({
      data: reply.data ?? null,
      status: { error_code: reply.errorCode ?? '', http_code: reply.httpCode, message: reply.message },
    });
    res.writeHead(reply.httpCode, { 'Content-Type': 'application/json', ...reply.headers }).end(body);
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      log.error('could not answer request', { err });
      res.destroy();
    });
  };
  const server = options.tls ? createTlsServer(options.tls, listener) : createServer(listener);
  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(port, host, () => {
      server.off('error', rejectListen);
      resolveListen();
    });
  });
  const boundPort = (server.address() as AddressInfo).port;
  const url = `${options.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${boundPort}`;
  log.info('local launcher listening', {
    url,
    data_dir: resolve(options.dataDir),
    chromium_path: chromiumPath,
  });

  let closed: Promise<void> | undefined;
  return {
    url,
    port: boundPort,
    ...(faults && { faults }),
    runningProfiles: () =>
      [...entries].flatMap(([profileId, entry]) =>
        entry.phase === 'running' ? [{ profileId, pid: entry.browser.pid, port: entry.browser.port }] : [],
      ),
    close: () =>
      (closed ??= (async () => {
        closing = true;
        await Promise.all([...entries.keys()].map(stop));
        await new Promise<void>((resolveClose, rejectClose) => {
          server.close((err) => (err ? rejectClose(err) : resolveClose()));
          server.closeIdleConnections();
        });
        log.info('local launcher closed', { url });
      })()),
  };
}

function coreVersion(browser: ChromiumProcess): number | undefined {
  const major = /\/(\d+)\./.exec(browser.browserVersion)?.[1];
  return major === undefined ? undefined : Number(major);
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

const MAX_ADMIN_BODY = 64 * 1024;

async function readBody(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req as AsyncIterable<Buffer>) {
    text += chunk.toString('utf8');
    if (text.length > MAX_ADMIN_BODY)
      throw new RangeError(`request body larger than ${MAX_ADMIN_BODY} bytes`);
  }
  return text;
}
