/**
 * The local launcher's fault switch: "answer the next N start (or stop) calls of this profile with this
 * MLX error", or "hold them for a while first", so every failure the real agent produces can be met on
 * demand (tests, demos, drills).
 */
import { z } from 'zod';
import type { Logger } from '../telemetry';
import { formatIssues } from '../contract';
import { error, idParam, ok, type Reply } from './reply';

/** The MLX errors the switch reproduces, each with the HTTP status and message the agent sends. */
export const FAULTS = {
  PROFILE_ALREADY_RUNNING: { httpCode: 400, message: 'browser process is running' },
  LOCK_PROFILE_ERROR: { httpCode: 400, message: "can't lock profile" },
  CORE_DOWNLOADING_STARTED: { httpCode: 500, message: 'browser core downloading started' },
  GET_PROXY_CONNECTION_IP_ERROR: { httpCode: 500, message: 'failed to get proxy connection ip' },
  /** The token is refused, as an expired one would be. */
  UNAUTHORIZED: { httpCode: 401, message: 'invalid or expired token' },
  /** 429 with Retry-After: `retry_after_s`. */
  RATE_LIMITED: { httpCode: 429, message: 'too many requests' },
  /** The connection is closed without an answer, as if the agent had died. */
  AGENT_DOWN: { httpCode: 0, message: 'connection closed' },
  /** No error: the call waits `delay_ms`, then is served as usual (a slow agent). */
  DELAY: { httpCode: 200, message: '' },
} as const;

export type FaultName = keyof typeof FAULTS;

export const faultRequestSchema = z.strictObject({
  error: z.enum(Object.keys(FAULTS) as [FaultName, ...FaultName[]]),
  times: z.number().int().min(1).max(1000).default(1),
  retry_after_s: z.number().min(0).max(3600).optional(),
  /** Which call the fault answers. */
  on: z.enum(['start', 'stop']).default('start'),
  /** Held this long before the fault's answer (DELAY: before serving as usual). */
  delay_ms: z.number().int().min(0).max(600_000).default(0),
});

export type FaultRequest = z.input<typeof faultRequestSchema>;
export type Fault = z.output<typeof faultRequestSchema>;

export interface FaultSwitch {
  set(profileId: string, fault: FaultRequest): void;
  clear(profileId?: string): void;
  /** Consumes one use of the profile's fault for this call, if one is armed. */
  take(profileId: string, call: Fault['on']): Fault | undefined;
  list(): Record<string, Fault>;
}

export function createFaultSwitch(): FaultSwitch {
  const armed = new Map<string, Fault>();
  return {
    set: (profileId, fault) => void armed.set(profileId, faultRequestSchema.parse(fault)),
    clear: (profileId) => (profileId === undefined ? armed.clear() : void armed.delete(profileId)),
    take(profileId, call) {
      const fault = armed.get(profileId);
      if (!fault || fault.on !== call) return undefined;
      if (fault.times <= 1) armed.delete(profileId);
      else armed.set(profileId, { ...fault, times: fault.times - 1 });
      return fault;
    },
    list: () => Object.fromEntries(armed),
  };
}

/** Waits out the fault's delay; undefined when the call is then served as usual (DELAY). */
export async function heldFault(fault: Fault | undefined): Promise<Fault | undefined> {
  if (!fault) return undefined;
  if (fault.delay_ms > 0) await new Promise((resolve) => setTimeout(resolve, fault.delay_ms));
  return fault.error === 'DELAY' ? undefined : fault;
}

/** What the launcher answers for an armed fault. */
export function faultReply(fault: Fault): Reply {
  if (fault.error === 'AGENT_DOWN') return { httpCode: 0, message: '', drop: true };
  const { httpCode, message } = FAULTS[fault.error];
  return {
    ...error(httpCode, fault.error, message),
    ...(fault.retry_after_s !== undefined && { headers: { 'Retry-After': String(fault.retry_after_s) } }),
  };
}

/** `/_faults` (GET lists, DELETE clears all), `/_faults/p/{id}` (POST arms, DELETE clears). */
export async function routeFaults(
  switchboard: FaultSwitch,
  method: string,
  path: string,
  body: () => Promise<string>,
  log: Logger,
): Promise<Reply> {
  if (path === '/_faults') {
    if (method === 'GET') return ok('Faults', switchboard.list());
    if (method === 'DELETE') {
      switchboard.clear();
      return ok('Faults cleared');
    }
    return error(405, 'METHOD_NOT_ALLOWED', `${method} is not supported on ${path}`);
  }
  const match = /^\/_faults\/p\/([^/]+)$/.exec(path);
  const profileId = match ? idParam('profile_id', match[1]) : undefined;
  if (profileId === undefined) return error(404, 'NOT_FOUND', `no such endpoint: ${path}`);
  if (typeof profileId !== 'string') return profileId;
  if (method === 'DELETE') {
    switchboard.clear(profileId);
    return ok('Fault cleared');
  }
  if (method !== 'POST') return error(405, 'METHOD_NOT_ALLOWED', `${method} is not supported on ${path}`);
  let json: unknown;
  try {
    json = JSON.parse(await body());
  } catch {
    return error(400, 'INVALID_PARAMETER', 'body must be JSON: {"error": "...", "times": N}');
  }
  const parsed = faultRequestSchema.safeParse(json);
  if (!parsed.success) return error(400, 'INVALID_PARAMETER', formatIssues(parsed.error).join('; '));
  switchboard.set(profileId, parsed.data);
  log.info('fault armed', { profile_id: profileId, ...parsed.data });
  return ok('Fault armed', parsed.data);
}
