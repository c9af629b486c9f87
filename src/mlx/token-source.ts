/**
 * Where the bearer token comes from: a fixed MLX_TOKEN, or the cloud API (sign-in with e-mail and
 * password, switched to the workspace, refreshed before it expires, optionally traded for an automation
 * token). Every secret it has seen is listed by `secrets()`, so clients can redact them.
 */
import { errorTypeOf } from '../contract';
import { md5Hex, type AutomationTokenPeriod, type CloudClient } from './cloud-client';
import { jwtPayloadSchema } from './envelope';

export interface TokenSource {
  /** The token to send now (fetched or refreshed when missing or about to expire); undefined: none. */
  current(): Promise<string | undefined>;
  /** After the launcher refused `rejected`: a newer token, or undefined when no other can be had. */
  renew(rejected: string): Promise<string | undefined>;
  /** Every token, refresh token and password this source holds or held: never to be shown. */
  secrets(): readonly string[];
}

export function staticTokenSource(token: string | undefined): TokenSource {
  return {
    current: () => Promise.resolve(token),
    renew: () => Promise.resolve(undefined),
    secrets: () => (token ? [token] : []),
  };
}

export interface CloudCredentials {
  email: string;
  password: string;
  workspaceId: string;
  /** Trade the workspace token for an automation token of this period. */
  automationTokenPeriod?: AutomationTokenPeriod;
}

export interface CloudTokenSourceOptions extends CloudCredentials {
  cloud: CloudClient;
  /** Renew this long before the token expires. */
  refreshBeforeMs?: number;
  /** Lifetime assumed when a token is not a JWT with `exp`: 30 minutes, as MLX documents. */
  defaultTtlMs?: number;
  now?: () => number;
}

interface Held {
  token: string;
  /** Absent for automation tokens: they are fetched again rather than refreshed. */
  refreshToken?: string;
  expiresAt: number;
}

const MINUTE = 60_000;
const AUTOMATION_TTL_MS: Record<AutomationTokenPeriod, number> = {
  '24h': 24 * 60 * MINUTE,
  no_exp: Number.POSITIVE_INFINITY,
};
/** Old tokens stay listed for redaction, up to this many. */
const KEEP_SECRETS = 50;

export function cloudTokenSource(options: CloudTokenSourceOptions): TokenSource {
  const { cloud, email, password, workspaceId, automationTokenPeriod } = options;
  const refreshBeforeMs = options.refreshBeforeMs ?? 5 * MINUTE;
  const defaultTtlMs = options.defaultTtlMs ?? 30 * MINUTE;
  const now = options.now ?? Date.now;
  const seen: string[] = [];
  let held: Held | undefined;
  let pending: Promise<Held> | undefined;

  const remember = (...secrets: (string | undefined)[]) => {
    for (const s of secrets) if (s && !seen.includes(s)) seen.push(s);
    if (seen.length > KEEP_SECRETS) seen.splice(0, seen.length - KEEP_SECRETS);
  };

  const expiryOf = (token: string, fallbackTtlMs: number): number => {
    const exp = jwtExpiry(token);
    return exp ?? now() + fallbackTtlMs;
  };

  /** A token for the configured workspace, from a token and its refresh token. */
  const refreshIn = (token: string, refreshToken: string) =>
    cloud.refresh({ email, token, refreshToken, workspaceId });

  async function signIn(): Promise<Held> {
    const first = await cloud.signIn(email, password);
    remember(first.token, first.refreshToken);
    // The sign-in token belongs to the user's default workspace: switch to the configured one.
    const ws = await refreshIn(first.token, first.refreshToken);
    remember(ws.token, ws.refreshToken);
    const refreshToken = ws.refreshToken ?? first.refreshToken;
    if (!automationTokenPeriod) {
      return { token: ws.token, refreshToken, expiresAt: expiryOf(ws.token, defaultTtlMs) };
    }
    const token = await cloud.automationToken(ws.token, automationTokenPeriod);
    remember(token);
    return { token, expiresAt: expiryOf(token, AUTOMATION_TTL_MS[automationTokenPeriod]) };
  }

  /** Refresh when we can; a refused refresh token means signing in again. */
  async function renewHeld(old: Held | undefined): Promise<Held> {
    if (!old?.refreshToken) return signIn();
    try {
      const next = await refreshIn(old.token, old.refreshToken);
      remember(next.token, next.refreshToken);
      return {
        token: next.token,
        refreshToken: next.refreshToken ?? old.refreshToken,
        expiresAt: expiryOf(next.token, defaultTtlMs),
      };
    } catch (err) {
      if (errorTypeOf(err) !== 'MlxUnauthorized') throw err;
      return signIn();
    }
  }

  /** One renewal at a time: concurrent callers share it. */
  function renewOnce(old: Held | undefined): Promise<Held> {
    pending ??= renewHeld(old).then(
      (next) => {
        held = next;
        pending = undefined;
        return next;
      },
      (err: unknown) => {
        pending = undefined;
        throw err;
      },
    );
    return pending;
  }

  remember(password, md5Hex(password));
  return {
    async current() {
      if (held && now() < held.expiresAt - refreshBeforeMs) return held.token;
      return (await renewOnce(held)).token;
    },
    async renew(rejected) {
      if (pending) return (await pending).token;
      if (held && held.token !== rejected) return held.token;
      return (await renewOnce(held)).token;
    },
    secrets: () => seen,
  };
}

/** `exp` of a JWT in ms, or undefined when the token is not a JWT carrying one. */
export function jwtExpiry(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const parsed = jwtPayloadSchema.safeParse(
      JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')),
    );
    return parsed.success ? parsed.data.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
