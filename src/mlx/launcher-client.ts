/** HTTP client for the MLX launcher (the desktop agent, or the local launcher standing in for it). */
import type { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import { failure, type ErrorType } from '../errors';
import {
  mlxEnvelopeSchema,
  profileStatusesDataSchema,
  startProfileDataSchema,
  versionDataSchema,
  type MlxEnvelope,
  type ProfileStatusesData,
  type VersionData,
} from './envelope';

export interface LauncherClientOptions {
  baseUrl: string;
  token?: string;
  /** Per request, including reading the body. */
  timeoutMs?: number;
  fetch?: typeof fetch;
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
  statuses(): Promise<ProfileStatusesData>;
  version(): Promise<VersionData>;
}

const DEFAULT_TIMEOUT_MS = 30_000;

const ERROR_CODE_TYPES: ReadonlyMap<string, ErrorType> = new Map([
  ['PROFILE_ALREADY_RUNNING', 'MlxProfileAlreadyRunning'],
  ['LOCK_PROFILE_ERROR', 'MlxProfileLocked'],
  ['CORE_DOWNLOADING_STARTED', 'MlxCoreDownloading'],
  ['GET_PROXY_CONNECTION_IP_ERROR', 'MlxProxyFailed'],
]);

interface Reply {
  path: string;
  httpStatus: number;
  retryAfter: string | null;
  envelope?: MlxEnvelope;
  /** Why the body is not an envelope, when it is not. */
  bodyProblem?: string;
}

export function createLauncherClient(options: LauncherClientOptions): LauncherClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const doFetch = options.fetch ?? fetch;
  const token = options.token;

  // Defence in depth: the token is only ever sent in a header, but a server could echo it back.
  const redact = (text: string): string => (token ? text.split(token).join('[redacted]') : text);

  const fail = (type: ErrorType, message: string, reply: Reply, nextRetryDelayMs?: number) =>
    failure(type, redact(message), {
      details: {
        http_status: reply.httpStatus,
        error_code: reply.envelope?.status.error_code ?? '',
        path: reply.path,
        ...(nextRetryDelayMs !== undefined && { retry_after_ms: nextRetryDelayMs }),
      },
      nextRetryDelayMs,
    });

  async function get(path: string, query: Record<string, string> = {}): Promise<Reply> {
    const search = new URLSearchParams(query).toString();
    const url = `${baseUrl}${path}${search ? `?${search}` : ''}`;
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;

    let httpStatus = 0;
    try {
      const response = await doFetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
      httpStatus = response.status;
      const text = await response.text();
      return { path, httpStatus, retryAfter: response.headers.get('retry-after'), ...parseBody(text) };
    } catch (err) {
      throw requestError(err, path, httpStatus, timeoutMs, redact);
    }
  }

  function raise(reply: Reply): ApplicationFailure {
    const status = reply.envelope?.status;
    const what = `MLX launcher GET ${reply.path}: HTTP ${reply.httpStatus}`;
    const said = status ? ` ${status.error_code || '(no error code)'}: ${status.message}` : '';
    if (reply.httpStatus === 401 || status?.http_code === 401) {
      return fail('MlxUnauthorized', `${what}${said}`, reply);
    }
    if (reply.httpStatus === 429 || status?.http_code === 429) {
      return fail('MlxRateLimited', `${what}${said}`, reply, parseRetryAfter(reply.retryAfter));
    }
    if (!status) {
      return fail('MlxBadResponse', `${what}: body is not an MLX envelope: ${reply.bodyProblem}`, reply);
    }
    return fail(ERROR_CODE_TYPES.get(status.error_code) ?? 'MlxRequestFailed', `${what}${said}`, reply);
  }

  function ensureOk(reply: Reply): MlxEnvelope {
    const envelope = reply.envelope;
    const ok =
      reply.httpStatus >= 200 &&
      reply.httpStatus < 300 &&
      envelope !== undefined &&
      envelope.status.error_code === '' &&
      (envelope.status.http_code === undefined || envelope.status.http_code < 400);
    if (!ok) throw raise(reply);
    return envelope;
  }

  function dataOf<S extends z.ZodType>(reply: Reply, schema: S): z.output<S> {
    const parsed = schema.safeParse(ensureOk(reply).data);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `data.${i.path.join('.')}: ${i.message}`).join('; ');
      throw fail('MlxBadResponse', `MLX launcher GET ${reply.path}: unexpected data: ${problems}`, reply);
    }
    return parsed.data;
  }

  return {
    async startProfile({ folderId, profileId, headless }) {
      const path = `/api/v2/profile/f/${encodeURIComponent(folderId)}/p/${encodeURIComponent(profileId)}/start`;
      const reply = await get(path, { automation_type: 'playwright', headless_mode: String(headless) });
      const data = dataOf(reply, startProfileDataSchema);
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
      ensureOk(reply);
      return { alreadyStopped: false };
    },

    async statuses() {
      return dataOf(await get('/api/v1/profile/statuses'), profileStatusesDataSchema);
    },

    async version() {
      return dataOf(await get('/api/v1/version'), versionDataSchema);
    },
  };
}

function parseBody(text: string): Pick<Reply, 'envelope' | 'bodyProblem'> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { bodyProblem: `not JSON (${text.length} bytes)` };
  }
  const parsed = mlxEnvelopeSchema.safeParse(json);
  if (parsed.success) return { envelope: parsed.data };
  return {
    bodyProblem: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
  };
}

const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
]);

/** Connection refused, DNS failure, reset or timeout mean the agent is not there to answer. */
function requestError(
  err: unknown,
  path: string,
  httpStatus: number,
  timeoutMs: number,
  redact: (text: string) => string,
): ApplicationFailure {
  const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : undefined;
  const code = cause && 'code' in cause && typeof cause.code === 'string' ? cause.code : undefined;
  // A refused connection to a name with several addresses is an AggregateError with an empty message.
  const reason = timedOut
    ? `no answer within ${timeoutMs} ms`
    : [err instanceof Error ? err.message : String(err), cause?.message || code].filter(Boolean).join(': ');
  const network =
    timedOut || (code !== undefined && (NETWORK_ERROR_CODES.has(code) || code.startsWith('UND_ERR')));
  return failure(
    network ? 'MlxAgentDown' : 'MlxRequestFailed',
    redact(`MLX launcher GET ${path}: ${reason}`),
    {
      details: { http_status: httpStatus || null, error_code: '', path, cause_code: code ?? null },
    },
  );
}

/** Retry-After is either delay-seconds or an HTTP date. */
function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
