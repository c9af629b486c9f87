import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { timingSafeEqual } from 'node:crypto';
import type { z } from 'zod';
import type { startProfileDataSchema } from '../mlx';
import { silentLogger, type Logger } from '../telemetry';
import { createFaultSwitch, faultReply, heldFault, routeFaults, type FaultSwitch } from './faults';
import { BROWSER_TYPE, createProfiles, type RunningProfile } from './profiles';
import { NO_SANDBOX_SETTING, noSandboxRefusal, sandboxFlags } from './chromium-process';
import { error, idParam, ok, type Reply } from './reply';

export interface LocalLauncherOptions {
  chromiumPath?: string;
  /**
   * Profiles keep their user-data dir under `<dataDir>/profiles/<profileId>`, so cookies outlive a job,
   * and the folder their first start named under `<dataDir>/profile-folders/` (a start naming another is refused);
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
  /** The one bearer token accepted (compared in constant time); the embedded launcher gets a fresh one per start. */
  token?: string;
  /** At most this many profiles open at once; further starts are refused (PROFILE_LIMIT_REACHED). */
  maxProfiles?: number;
  /** Serve https with this certificate and key (PEM), as the real agent does on launcher.mlx.yt. */
  tls?: { cert: string | Buffer; key: string | Buffer };
}

export interface LocalLauncher {
  url: string;
  port: number;
  /** Stops every browser, then the server. */
  close(): Promise<void>;
  runningProfiles(): RunningProfile[];
  /** Every browser this launcher started, and every running one it stopped, in order (oldest first). */
  timeline(): LauncherEvent[];
  /** The fault switch, when enabled by `faults: true`. */
  faults?: FaultSwitch;
}

/** A browser started or stopped by the launcher (a stop of one not running is not an event). */
export interface LauncherEvent {
  profile_id: string;
  event: 'started' | 'stopped';
  /** ms since epoch */
  at: number;
}

/** The timeline keeps this many events, the oldest dropped first. */
const TIMELINE_KEPT = 10_000;

export const LOCAL_LAUNCHER_VERSION = '0.1.0';
const DEFAULT_MAX_PROFILES = 16;

/** Says at start that Chromium runs without its sandbox, or why no profile can start. */
function warnAboutSandbox(log: Logger): void {
  const refusal = noSandboxRefusal();
  if (refusal) log.error(refusal);
  if (sandboxFlags().length) {
    log.warn(
      `Chromium runs without its sandbox (${NO_SANDBOX_SETTING}=true): a page that breaks the renderer reaches the worker's user`,
    );
  }
}

/** Constant-time comparison, so the time an answer takes says nothing about how much of a token matched. */
export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The MLX launcher API, served on loopback, with a real Chromium per profile. */
export async function startLocalLauncher(options: LocalLauncherOptions): Promise<LocalLauncher> {
  const { chromiumPath = '/usr/bin/chromium', host = '127.0.0.1', port = 0, log = silentLogger } = options;
  if (!isLoopback(host)) throw new RangeError(`local launcher host must be a loopback address, got ${host}`);
  const faults = options.faults ? createFaultSwitch() : undefined;
  const profiles = await createProfiles({ chromiumPath, dataDir: options.dataDir, log });
  const events: LauncherEvent[] = [];
  const record = (profileId: string, event: LauncherEvent['event']) => {
    events.push({ profile_id: profileId, event, at: Date.now() });
    if (events.length > TIMELINE_KEPT) events.shift();
  };

  async function start(profileId: string, folderId: string, headless: boolean): Promise<Reply> {
    const max = options.maxProfiles ?? DEFAULT_MAX_PROFILES;
    if (!profiles.state(profileId) && Object.keys(profiles.states()).length >= max) {
      return error(429, 'PROFILE_LIMIT_REACHED', `the local launcher runs at most ${max} profiles at once`);
    }
    const result = await profiles.start(profileId, folderId, headless);
    if (!result.started) {
      const status = {
        PROFILE_ALREADY_RUNNING: 400,
        PROFILE_NOT_IN_FOLDER: 404,
        LAUNCHER_CLOSING: 503,
        BROWSER_START_FAILED: 500,
      };
      return error(status[result.reason], result.reason, result.message);
    }
    record(profileId, 'started');
    const data: z.input<typeof startProfileDataSchema> = {
      browser_type: BROWSER_TYPE,
      core_version: result.coreVersion,
      id: profileId,
      is_quick: false,
      port: String(result.port),
    };
    return ok('Profile started successfully', data);
  }

  function authorized(header: string | undefined): boolean {
    if (!options.acceptsToken && options.token === undefined) return true;
    const token = /^Bearer (.+)$/.exec(header ?? '')?.[1];
    if (token === undefined) return false;
    if (options.token !== undefined) return sameSecret(token, options.token);
    return options.acceptsToken!(token);
  }

  async function route(
    method: string,
    url: URL,
    authorization: string | undefined,
    body: () => Promise<string>,
  ): Promise<Reply> {
    const path = url.pathname;
    // The fault switch too: whoever may start a browser here may also make it fail, nobody else.
    if (!authorized(authorization)) return error(401, 'UNAUTHORIZED', 'invalid or expired token');
    if (faults && (path === '/_faults' || path.startsWith('/_faults/'))) {
      return routeFaults(faults, method, path, body, log);
    }
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
      const fault = await heldFault(faults?.take(profileId, 'start'));
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
      const fault = await heldFault(faults?.take(profileId, 'stop'));
      if (fault) {
        log.info('fault answered', { profile_id: profileId, error: fault.error });
        return faultReply(fault);
      }
      if (!(await profiles.stop(profileId))) {
        return error(500, 'PROFILE_NOT_RUNNING', 'Profile already stopped');
      }
      record(profileId, 'stopped');
      return ok('Profile stopped');
    }

    if (path === '/api/v1/profile/stop_all') {
      await Promise.all(Object.keys(profiles.states()).map((id) => profiles.stop(id)));
      return ok('All profiles stopped');
    }

    match = /^\/api\/v1\/profile\/status\/p\/([^/]+)$/.exec(path);
    if (match) {
      const profileId = idParam('profile_id', match[1]);
      if (typeof profileId !== 'string') return profileId;
      return ok(
        'Profile status',
        profiles.state(profileId) ?? { profile_id: profileId, status: 'stopped', is_quick: false },
      );
    }

    if (path === '/api/v1/profile/statuses') {
      const states = profiles.states();
      const local = Object.keys(states).length;
      return ok('Profile statuses', { active_counter: { cloud: 0, local, quick: 0 }, states });
    }

    if (path === '/api/v1/version') return ok('Version', { version: LOCAL_LAUNCHER_VERSION, env: 'local' });

    return error(404, 'NOT_FOUND', `no such endpoint: ${path}`);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let reply: Reply;
    // A page in any browser on this host can reach 127.0.0.1; with DNS rebinding it would do so under
    // its own host name. Only requests addressed to the launcher's own address are answered.
    if (!allowedHosts.has((req.headers.host ?? '').toLowerCase())) {
      res.writeHead(421, { 'Content-Type': 'text/plain' }).end('misdirected request');
      return;
    }
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
  let allowedHosts = new Set<string>();
  const server = options.tls ? createTlsServer(options.tls, listener) : createServer(listener);
  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(port, host, () => {
      server.off('error', rejectListen);
      resolveListen();
    });
  });
  const boundPort = (server.address() as AddressInfo).port;
  allowedHosts = new Set(
    [host, 'localhost', '127.0.0.1', '[::1]', 'launcher.mlx.yt'].flatMap((name) => {
      const h = name.includes(':') && !name.startsWith('[') ? `[${name}]` : name;
      return [`${h}:${boundPort}`.toLowerCase()];
    }),
  );
  warnAboutSandbox(log);
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
    runningProfiles: () => profiles.running(),
    timeline: () => events.map((e) => ({ ...e })),
    close: () =>
      (closed ??= (async () => {
        await profiles.closeAll();
        await new Promise<void>((resolveClose, rejectClose) => {
          server.close((err) => (err ? rejectClose(err) : resolveClose()));
          server.closeIdleConnections();
        });
        log.info('local launcher closed', { url });
      })()),
  };
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
