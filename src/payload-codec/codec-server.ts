/**
 * The codec endpoint (Temporal's remote codec protocol: POST /encode and /decode with
 * `{"payloads": [...]}` in proto JSON): lets an operator who holds the keys read payloads in the
 * Temporal UI or with `temporal --codec-endpoint`. Claim-check references are resolved on /decode, so the
 * UI shows the large output itself. Every call is authenticated (a bearer token, the session cookie set
 * by /login for the UI, or that session in the path of `uiEndpoint`), and CORS admits only the
 * configured Temporal UI origins.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec, StorageDriver } from '@temporalio/common';
import { StorageDriverClaim } from '@temporalio/common';
import { z } from 'zod';

export interface CodecServerOptions {
  codecs: PayloadCodec[];
  /** Resolves claim-check references on /decode. */
  driver?: StorageDriver;
  /** Bearer token callers must present (at least 16 characters). */
  token: string;
  /** Origins allowed by CORS, e.g. http://127.0.0.1:8233 (the Temporal UI). */
  allowedOrigins: readonly string[];
  host?: string;
  port?: number;
  /**
   * The URL browsers reach it at, when that is not the address it listens on (a container listening on
   * 0.0.0.0 behind a published port): its origin is the endpoint's own, for the /login form.
   */
  publicUrl?: string;
}

export interface CodecServer {
  url: string;
  /**
   * The endpoint for a Temporal UI that can be given an endpoint but not told to send credentials (the
   * dev server's): its path carries the session the /login cookie would, so the UI decodes with nothing
   * to sign in to. Whoever can read the UI's settings can read it: give it only to a UI that only
   * operators reach (the demo's, on loopback). CORS still admits only the allowed origins.
   */
  uiEndpoint: string;
  close(): Promise<void>;
}

const SESSION_COOKIE = 'mlx_codec_session';
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const REFERENCE_TYPE = 'temporal.api.sdk.v1.ExternalStorageReference';

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
const BodySchema = z.strictObject({
  payloads: z.array(
    z.looseObject({ metadata: z.record(z.string(), base64).optional(), data: base64.optional() }),
  ),
});

type JsonPayload = z.output<typeof BodySchema>['payloads'][number];

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))]),
  ),
  data: new Uint8Array(Buffer.from(p.data ?? '', 'base64')),
});
const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [
      k,
      Buffer.from(v ?? new Uint8Array()).toString('base64'),
    ]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

const meta = (p: Payload, key: string) => {
  const value = p.metadata?.[key];
  return value ? Buffer.from(value).toString('utf8') : undefined;
};

export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  if (options.token.length < 16)
    throw new RangeError('the codec server token must be at least 16 characters');
  const session = createHmac('sha256', options.token).update('mlx-codec-session').digest('hex');
  const same = (a: string, b: string) => {
    const x = Buffer.from(a);
    const y = Buffer.from(b);
    return x.length === y.length && timingSafeEqual(x, y);
  };
  const authenticated = (req: IncomingMessage) => {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (bearer !== undefined) return same(bearer, options.token);
    const cookie = (req.headers.cookie ?? '')
      .split(';')
      .map((part) => part.trim().split('='))
      .find(([name]) => name === SESSION_COOKIE)?.[1];
    return cookie !== undefined && same(cookie, session);
  };

  const resolveReferences = async (payloads: Payload[]): Promise<Payload[]> =>
    Promise.all(
      payloads.map(async (payload) => {
        if (!options.driver || meta(payload, 'messageType') !== REFERENCE_TYPE) return payload;
        const ref = z
          .looseObject({ driverName: z.string(), claimData: z.record(z.string(), z.string()) })
          .parse(JSON.parse(Buffer.from(payload.data ?? new Uint8Array()).toString('utf8')));
        if (ref.driverName !== options.driver.name) return payload;
        const [stored] = await options.driver.retrieve({}, [new StorageDriverClaim(ref.claimData)]);
        return stored ?? payload;
      }),
    );

  const run = async (path: string, payloads: Payload[]): Promise<Payload[]> => {
    if (path === '/encode') {
      let out = payloads;
      for (const codec of options.codecs) out = await codec.encode(out);
      return out;
    }
    let out = await resolveReferences(payloads);
    for (const codec of [...options.codecs].reverse()) out = await codec.decode(out);
    return out;
  };

  const ownOrigins = new Set<string>();
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const origin = req.headers.origin;
    const cors: Record<string, string> =
      origin && options.allowedOrigins.includes(origin)
        ? {
            'access-control-allow-origin': origin,
            'access-control-allow-credentials': 'true',
            'access-control-allow-methods': 'POST, OPTIONS',
            'access-control-allow-headers': 'content-type, x-namespace, authorization',
            vary: 'origin',
          }
        : {};
    // A browser sends Origin with every POST, its own pages' too (the /login form): the endpoint's own
    // origin needs no CORS and is not refused.
    if (origin && !cors['access-control-allow-origin'] && !ownOrigins.has(origin)) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('origin not allowed');
      return;
    }
    const requested = new URL(req.url ?? '/', 'http://codec.local').pathname.replace(/\/+$/, '') || '/';
    const scoped = /^\/ui\/([0-9a-f]{64})(\/[a-z]+)$/.exec(requested);
    const path = scoped?.[2] ?? requested;
    const capability = scoped !== null && same(scoped[1]!, session);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, cors).end();
      return;
    }
    if (requested === '/login') return login(req, res);
    if (req.method !== 'POST' || (path !== '/encode' && path !== '/decode')) {
      res.writeHead(404, { ...cors, 'content-type': 'text/plain' }).end('POST /encode or /decode');
      return;
    }
    if (!capability && !authenticated(req)) {
      res.writeHead(401, { ...cors, 'content-type': 'text/plain' }).end('unauthorized');
      return;
    }
    const parsed = BodySchema.safeParse(JSON.parse(await readBody(req)));
    if (!parsed.success) {
      res.writeHead(400, { ...cors, 'content-type': 'text/plain' }).end('body must be {"payloads": [...]}');
      return;
    }
    const out = await run(path, parsed.data.payloads.map(fromJson));
    res
      .writeHead(200, { ...cors, 'content-type': 'application/json' })
      .end(JSON.stringify({ payloads: out.map(toJson) }));
  };

  /** GET: a form to paste the token; POST: sets the session cookie the Temporal UI then sends along. */
  const login = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method === 'POST') {
      const token = new URLSearchParams(await readBody(req)).get('token') ?? '';
      if (!same(token, options.token)) {
        res.writeHead(401, { 'content-type': 'text/plain' }).end('wrong token');
        return;
      }
      res
        .writeHead(200, {
          'content-type': 'text/plain',
          'set-cookie': `${SESSION_COOKIE}=${session}; HttpOnly; Secure; SameSite=None; Path=/`,
        })
        .end('signed in: the Temporal UI can now decode payloads here');
      return;
    }
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end(
        '<!doctype html><title>mlx-jobs codec</title><form method="post"><label>Codec token <input name="token" type="password"></label> <button>Sign in</button></form>',
      );
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('could not transform the payloads');
    });
  });
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host ?? '127.0.0.1'}:${port}`;
  ownOrigins.add(url).add(`http://localhost:${port}`);
  if (options.publicUrl) ownOrigins.add(new URL(options.publicUrl).origin);
  return {
    url,
    uiEndpoint: `${options.publicUrl ?? url}/ui/${session}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new RangeError('body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
