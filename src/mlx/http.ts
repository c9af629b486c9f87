/**
 * Calls to the MLX launcher and cloud API: the envelope is parsed by zod, and every error code, HTTP
 * status and transport fault becomes a failure of the one taxonomy (src/contract/failures.ts). Messages pass
 * through the redactor, so no token or password reaches an error, a span or Temporal history.
 */
import type { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import { failure, type ErrorType } from '../contract';
import { parseRetryAfter } from '../policies';
import { mlxEnvelopeSchema, type MlxEnvelope } from './envelope';
import type { Redactor } from '../secrets';
import type { Transport } from './transport';

export interface MlxRequest {
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  json?: unknown;
}

export interface Reply {
  method: string;
  path: string;
  httpStatus: number;
  retryAfter: string | undefined;
  envelope?: MlxEnvelope;
  /** Why the body is not an envelope, when it is not. */
  bodyProblem?: string;
}

export interface MlxHttp {
  /** Resolves with any HTTP answer; rejects only with a taxonomy failure for transport faults. */
  send(request: MlxRequest): Promise<Reply>;
  /** The envelope of a successful reply, or throws the reply's typed failure. */
  ensureOk(reply: Reply): MlxEnvelope;
  /** `data` of a successful reply parsed by `schema`. */
  dataOf<S extends z.ZodType>(reply: Reply, schema: S): z.output<S>;
  failureOf(reply: Reply): ApplicationFailure;
}

export interface MlxHttpOptions {
  /** Names the service in messages: "MLX launcher", "MLX cloud". */
  service: string;
  baseUrl: string;
  transport: Transport;
  redact: Redactor;
  /** The type of a transport fault (refused, reset, timeout); MlxAgentDown suits the launcher only. */
  unreachableType?: ErrorType;
  /** Appended to certificate failures: which setting fixes them. */
  tlsHint?: string;
}

const ERROR_CODE_TYPES: ReadonlyMap<string, ErrorType> = new Map([
  ['PROFILE_ALREADY_RUNNING', 'MlxProfileAlreadyRunning'],
  ['LOCK_PROFILE_ERROR', 'MlxProfileLocked'],
  // The local launcher's answer to a start naming a folder the profile is not in (a tenant boundary).
  ['PROFILE_NOT_IN_FOLDER', 'ProfileNotAllowed'],
  ['CORE_DOWNLOADING_STARTED', 'MlxCoreDownloading'],
  ['GET_PROXY_CONNECTION_IP_ERROR', 'MlxProxyFailed'],
]);

export function isUnauthorized(reply: Reply): boolean {
  return reply.httpStatus === 401 || reply.envelope?.status.http_code === 401;
}

export function createMlxHttp(options: MlxHttpOptions): MlxHttp {
  const { service, transport, redact } = options;
  const unreachableType = options.unreachableType ?? 'MlxAgentDown';
  const tlsHint = options.tlsHint ?? '';
  const baseUrl = options.baseUrl.replace(/\/+$/, '');

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

  function failureOf(reply: Reply): ApplicationFailure {
    const status = reply.envelope?.status;
    const what = `${service} ${reply.method} ${reply.path}: HTTP ${reply.httpStatus}`;
    const said = status ? ` ${status.error_code || '(no error code)'}: ${status.message}` : '';
    // 403 (e.g. not a member of the workspace) will not pass on a retry either.
    if (isUnauthorized(reply) || reply.httpStatus === 403)
      return fail('MlxUnauthorized', `${what}${said}`, reply);
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
    if (!ok) throw failureOf(reply);
    return envelope;
  }

  return {
    failureOf,
    ensureOk,
    dataOf(reply, schema) {
      const parsed = schema.safeParse(ensureOk(reply).data);
      if (!parsed.success) {
        const problems = parsed.error.issues.map((i) => `data.${i.path.join('.')}: ${i.message}`).join('; ');
        throw fail(
          'MlxBadResponse',
          `${service} ${reply.method} ${reply.path}: unexpected data: ${problems}`,
          reply,
        );
      }
      return parsed.data;
    },
    async send({ method, path, query = {}, headers = {}, json }) {
      const search = new URLSearchParams(query).toString();
      const url = `${baseUrl}${path}${search ? `?${search}` : ''}`;
      const body = json === undefined ? undefined : JSON.stringify(json);
      try {
        const res = await transport({
          method,
          url,
          headers: {
            Accept: 'application/json',
            ...(body !== undefined && { 'Content-Type': 'application/json' }),
            ...headers,
          },
          body,
        });
        const retryAfter = res.headers['retry-after'];
        return { method, path, httpStatus: res.status, retryAfter, ...parseBody(res.text) };
      } catch (err) {
        const what = `${service} ${method} ${path}`;
        throw transportFailure(err, { what, path, redact, unreachableType, tlsHint });
      }
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

/** Certificate problems: retrying does not help; the CA setting does. */
const TLS_ERROR_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

interface FaultContext {
  what: string;
  path: string;
  redact: Redactor;
  unreachableType: ErrorType;
  tlsHint: string;
}

/**
 * Connection refused, DNS failure, reset or timeout mean nobody is there to answer (for the launcher:
 * MlxAgentDown); an untrusted certificate is MlxTlsFailed; anything else MlxRequestFailed.
 */
function transportFailure(
  err: unknown,
  { what, path, redact, unreachableType, tlsHint }: FaultContext,
): ApplicationFailure {
  const code = errorCode(err);
  // A refused connection to a name with several addresses is an AggregateError with an empty message.
  const reason =
    [err instanceof Error ? err.message : String(err), code].filter(Boolean).join(': ') || 'unknown error';
  const type: ErrorType =
    code === undefined
      ? 'MlxRequestFailed'
      : TLS_ERROR_CODES.has(code)
        ? 'MlxTlsFailed'
        : NETWORK_ERROR_CODES.has(code)
          ? unreachableType
          : 'MlxRequestFailed';
  const hint = type === 'MlxTlsFailed' ? tlsHint : '';
  return failure(type, redact(`${what}: ${reason}${hint}`), {
    details: { http_status: null, error_code: '', path, cause_code: code ?? null },
  });
}

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if ('code' in e && typeof e.code === 'string') return e.code;
    if (e instanceof AggregateError) {
      const inner = errorCode(e.errors[0]);
      if (inner) return inner;
    }
  }
  return undefined;
}
