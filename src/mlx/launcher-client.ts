/** HTTP client for the MLX launcher (the desktop agent, or the local launcher standing in for it). */
import { failure } from '../contract';
import { createMlxHttp, isUnauthorized, type MlxRequest, type Reply } from './http';
import {
  profileStatusesDataSchema,
  profileStateSchema,
  startProfileDataSchema,
  versionDataSchema,
  type ProfileState,
  type ProfileStatusesData,
  type VersionData,
} from './envelope';
import { createRedactor } from '../secrets';
import { staticTokenSource, type TokenSource } from './token-source';
import { createTransport, type Transport } from './transport';

export interface LauncherClientOptions {
  baseUrl: string;
  /** A fixed bearer token; ignored when `tokens` is given. */
  token?: string;
  /** Where tokens come from when they can be renewed (cloud sign-in). */
  tokens?: TokenSource;
  /** Per request, including reading the body. */
  timeoutMs?: number;
  /** PEM CA bundle for an https launcher URL (e.g. https://launcher.mlx.yt:45001). */
  ca?: string | Buffer;
  /** Do not verify the launcher's certificate. */
  insecure?: boolean;
  /** Sends `X-Strict-Mode: true` with every start. */
  strictMode?: boolean;
  /** Replaces the node:http(s) transport built from timeoutMs/ca/insecure. */
  transport?: Transport;
}

export interface StartProfileRequest {
  folderId: string;
  profileId: string;
  headless: boolean;
}

export interface StartedProfile {
  port: number;
  browserType?: string;
  coreVersion?: number;
}

export interface StopProfileResult {
  alreadyStopped: boolean;
}

export interface LauncherClient {
  startProfile(request: StartProfileRequest): Promise<StartedProfile>;
  stopProfile(profileId: string): Promise<StopProfileResult>;
  status(profileId: string): Promise<ProfileState>;
  statuses(): Promise<ProfileStatusesData>;
  version(): Promise<VersionData>;
}

const DEFAULT_TIMEOUT_MS = 30_000;

export function createLauncherClient(options: LauncherClientOptions): LauncherClient {
  const tokens = options.tokens ?? staticTokenSource(options.token);
  const transport =
    options.transport ??
    createTransport({
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      ca: options.ca,
      insecure: options.insecure,
    });
  const http = createMlxHttp({
    service: 'MLX launcher',
    baseUrl: options.baseUrl,
    transport,
    tlsHint: ' (set MLX_LAUNCHER_CA_FILE to the CA that signed it)',
    redact: createRedactor(() => tokens.secrets()),
  });

  /** A 401 renews the token once and tries again; a second 401 is MlxUnauthorized (not retried). */
  async function call(request: MlxRequest): Promise<Reply> {
    const withToken = (token: string | undefined): MlxRequest =>
      token ? { ...request, headers: { ...request.headers, Authorization: `Bearer ${token}` } } : request;
    const token = await tokens.current();
    const reply = await http.send(withToken(token));
    if (!isUnauthorized(reply) || token === undefined) return reply;
    const renewed = await tokens.renew(token);
    return renewed === undefined ? reply : http.send(withToken(renewed));
  }

  const get = (path: string, query?: Record<string, string>, headers?: Record<string, string>) =>
    call({ method: 'GET', path, query, headers });

  return {
    async startProfile({ folderId, profileId, headless }) {
      const path = `/api/v2/profile/f/${encodeURIComponent(folderId)}/p/${encodeURIComponent(profileId)}/start`;
      const reply = await get(
        path,
        { automation_type: 'playwright', headless_mode: String(headless) },
        options.strictMode ? { 'X-Strict-Mode': 'true' } : undefined,
      );
      const data = http.dataOf(reply, startProfileDataSchema);
      // Playwright drives Chromium over CDP: a Mimic profile. A Stealthfox (Firefox) one cannot be driven.
      if (data.browser_type?.toLowerCase() === 'stealthfox') {
        throw failure(
          'MlxWrongBrowserType',
          `profile ${profileId} is a Stealthfox profile; Playwright over CDP needs a Mimic profile`,
          { details: { path, browser_type: data.browser_type } },
        );
      }
      return {
        port: data.port,
        ...(data.browser_type !== undefined && { browserType: data.browser_type }),
        ...(data.core_version !== undefined && { coreVersion: data.core_version }),
      };
    },

    async stopProfile(profileId) {
      const reply = await get(`/api/v1/profile/stop/p/${encodeURIComponent(profileId)}`);
      const message = reply.envelope?.status.message ?? '';
      const alreadyStopped =
        reply.httpStatus === 404 || (reply.httpStatus === 500 && /already stopped/i.test(message));
      if (alreadyStopped) return { alreadyStopped: true };
      http.ensureOk(reply);
      return { alreadyStopped: false };
    },

    async status(profileId) {
      return http.dataOf(
        await get(`/api/v1/profile/status/p/${encodeURIComponent(profileId)}`),
        profileStateSchema,
      );
    },

    async statuses() {
      return http.dataOf(await get('/api/v1/profile/statuses'), profileStatusesDataSchema);
    },

    async version() {
      return http.dataOf(await get('/api/v1/version'), versionDataSchema);
    },
  };
}
