/**
 * A strict stand-in for the MLX cloud API's token endpoints, on 127.0.0.1: sign-in checks the md5 of
 * the password, tokens are JWT-shaped with a real `exp`, expired or revoked tokens are refused. The
 * local launcher can ask it whether a bearer token is valid (`acceptsToken`).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

export interface FakeCloudOptions {
  email: string;
  password: string;
  workspaceId: string;
  /** Lifetime of user tokens; MLX's is 30 minutes. */
  tokenTtlMs?: number;
}

interface Issued {
  email: string;
  workspaceId?: string;
  expiresAt: number;
}

export interface FakeCloud {
  url: string;
  counts: { signIn: number; refresh: number; automationToken: number; refused: number };
  /** A workspace token that is issued, unexpired and not revoked. */
  acceptsToken(token: string): boolean;
  /** Every token and refresh token handed out. */
  issued(): string[];
  /** Refuses every token issued so far, as if all had expired. */
  revokeAll(): void;
  /** Idempotent. */
  close(): Promise<void>;
}

const signInBody = z.strictObject({ email: z.string(), password: z.string() });
const refreshBody = z.strictObject({
  email: z.string(),
  refresh_token: z.string(),
  workspace_id: z.string(),
});

export async function startFakeMlxCloud(options: FakeCloudOptions): Promise<FakeCloud> {
  const ttlMs = options.tokenTtlMs ?? 30 * 60_000;
  const md5 = createHash('md5').update(options.password).digest('hex');
  const tokens = new Map<string, Issued>();
  const refreshTokens = new Map<string, string>();
  const counts = { signIn: 0, refresh: 0, automationToken: 0, refused: 0 };
  const everIssued: string[] = [];

  const jwt = (exp: number | undefined) => {
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const payload = { jti: randomBytes(8).toString('hex'), ...(exp !== undefined && { exp: exp / 1000 }) };
    return `${part({ alg: 'none' })}.${part(payload)}.${randomBytes(12).toString('base64url')}`;
  };
  const issue = (email: string, workspaceId: string | undefined, lifetimeMs: number) => {
    const expiresAt = Date.now() + lifetimeMs;
    const token = jwt(Number.isFinite(expiresAt) ? expiresAt : undefined);
    tokens.set(token, { email, workspaceId, expiresAt });
    everIssued.push(token);
    return token;
  };
  const issueRefresh = (email: string) => {
    const refreshToken = randomBytes(24).toString('hex');
    refreshTokens.set(refreshToken, email);
    everIssued.push(refreshToken);
    return refreshToken;
  };
  const valid = (token: string | undefined) => {
    const held = token === undefined ? undefined : tokens.get(token);
    return held && Date.now() < held.expiresAt ? held : undefined;
  };

  const send = (res: ServerResponse, httpCode: number, data: unknown, errorCode = '', message = '') => {
    if (httpCode >= 400) counts.refused += 1;
    res
      .writeHead(httpCode, { 'Content-Type': 'application/json' })
      .end(JSON.stringify({ data, status: { error_code: errorCode, http_code: httpCode, message } }));
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://cloud.local');
    let text = '';
    for await (const chunk of req as AsyncIterable<Buffer>) text += chunk.toString('utf8');
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];

    if (req.method === 'POST' && url.pathname === '/user/signin') {
      const body = signInBody.safeParse(JSON.parse(text || 'null'));
      if (!body.success) return send(res, 400, null, 'INVALID_PARAMETER', 'email and password required');
      if (body.data.email !== options.email || body.data.password !== md5) {
        return send(res, 401, null, 'INVALID_CREDENTIALS', 'wrong e-mail or password');
      }
      counts.signIn += 1;
      return send(res, 200, {
        token: issue(options.email, undefined, ttlMs),
        refresh_token: issueRefresh(options.email),
      });
    }
    if (req.method === 'POST' && url.pathname === '/user/refresh_token') {
      const body = refreshBody.safeParse(JSON.parse(text || 'null'));
      if (!body.success) return send(res, 400, null, 'INVALID_PARAMETER', 'bad refresh request');
      const owner = refreshTokens.get(body.data.refresh_token);
      if (owner !== body.data.email) return send(res, 401, null, 'UNAUTHORIZED', 'invalid refresh token');
      if (body.data.workspace_id !== options.workspaceId) {
        return send(res, 403, null, 'WORKSPACE_ACCESS_DENIED', 'not a member of this workspace');
      }
      // Refresh tokens are single use, as rotation demands.
      refreshTokens.delete(body.data.refresh_token);
      counts.refresh += 1;
      return send(res, 200, {
        token: issue(owner, body.data.workspace_id, ttlMs),
        refresh_token: issueRefresh(owner),
      });
    }
    if (req.method === 'GET' && url.pathname === '/workspace/automation_token') {
      const held = valid(bearer);
      if (!held?.workspaceId) return send(res, 401, null, 'UNAUTHORIZED', 'invalid or expired token');
      const period = url.searchParams.get('expiration_period');
      if (period !== '24h' && period !== 'no_exp') {
        return send(res, 400, null, 'INVALID_PARAMETER', 'expiration_period must be 24h or no_exp');
      }
      counts.automationToken += 1;
      const lifetime = period === '24h' ? 24 * 3_600_000 : Number.POSITIVE_INFINITY;
      return send(res, 200, { token: issue(held.email, held.workspaceId, lifetime) });
    }
    return send(res, 404, null, 'NOT_FOUND', `no such endpoint: ${req.method} ${url.pathname}`);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => send(res, 500, null, 'INTERNAL', String(err)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    acceptsToken: (token) => Boolean(valid(token)?.workspaceId),
    issued: () => [...everIssued],
    revokeAll: () => {
      for (const held of tokens.values()) held.expiresAt = 0;
    },
    close: () =>
      (closed ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      })),
  };
}
