import { randomBytes, randomInt } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger, type Logger } from '../../telemetry';
import { ordersCsv } from './csv';
import {
  DEFAULT_ORDERS,
  filterOrders,
  generateOrders,
  ORDER_STATUSES,
  type Order,
  type OrderFilter,
  type OrderStatus,
} from './orders';
import { codePage, loginPage, messagePage, ordersPage, suspendedPage } from './html';

export const ORDERS_PAGE_SIZE = 20;
export const SESSION_COOKIE = 'sc_session';
/** Accounts whose username starts with this see the suspension page after signing in. */
export const SUSPENDED_PREFIX = 'banned_';
const INVALID_LOGIN = 'Invalid username or password';
const WRONG_CODE = 'That code is not the one we sent';
const MAX_BODY_BYTES = 16 * 1024;
/** Wrong codes a sign-in may type before it must start over with the password. */
const CODE_TRIES = 3;

/** An account that asks for a one-time code after its password, on every new sign-in. */
export interface CodeAccount {
  password: string;
  one_time_code: true;
}

export interface SellerCentreOptions {
  host?: string;
  port?: number;
  /** username → password, or an account that also asks for a one-time code on sign-in */
  accounts: Record<string, string | CodeAccount>;
  /**
   * The shop owner's phone: receives each one-time code sent (six digits). Without it the codes go
   * nowhere, and a sign-in of a code account cannot finish.
   */
  sendCode?: (username: string, code: string) => void;
  orders?: Order[];
  /** Added before every response, to behave like a slow marketplace (tests, benchmarks). */
  latencyMs?: number;
  log?: Logger;
}

export interface SellerCentre {
  url: string;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface Request {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** The signed-in username, if the session cookie is valid. */
  username: string | undefined;
}

/** A stand-in marketplace seller centre: login, a filterable paginated order list and a CSV export. */
export async function startSellerCentre(options: SellerCentreOptions): Promise<SellerCentre> {
  const { host = '127.0.0.1', port = 0, log = silentLogger } = options;
  const accounts = new Map(
    Object.entries(options.accounts).map(([username, account]) => [
      username,
      typeof account === 'string' ? { password: account, one_time_code: false } : account,
    ]),
  );
  const orders = [...(options.orders ?? generateOrders(DEFAULT_ORDERS))].sort(
    (a, b) => b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id),
  );
  const sessions = new Map<string, string>();
  /** Sign-ins past their password that wait for their one-time code, by the form's `pending` token. */
  const pending = new Map<string, { username: string; code: string; next: string; tries: number }>();
  const signIn = (res: ServerResponse, username: string, next: string) => {
    const token = randomBytes(24).toString('base64url');
    sessions.set(token, username);
    res.setHeader('Set-Cookie', `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax`);
    redirect(res, 303, next);
  };

  const routes: Record<string, Partial<Record<string, (request: Request) => Promise<void> | void>>> = {
    '/': { GET: ({ res }) => redirect(res, 302, '/orders') },
    '/login': {
      GET: ({ res, url, username }) => {
        const next = safeNext(url.searchParams.get('next'));
        if (username) return redirect(res, 302, next);
        sendHtml(res, 200, loginPage({ next }));
      },
      POST: async ({ req, res }) => {
        const form = await readForm(req);
        const username = form.get('username') ?? '';
        const password = form.get('password') ?? '';
        const next = safeNext(form.get('next'));
        const account = accounts.get(username);
        if (!username || account?.password !== password) {
          log.info('login refused');
          return sendHtml(res, 401, loginPage({ next, username, error: INVALID_LOGIN }));
        }
        if (username.startsWith(SUSPENDED_PREFIX)) {
          log.info('login of a suspended account');
          return sendHtml(res, 403, suspendedPage(username));
        }
        if (!account.one_time_code) return signIn(res, username, next);
        const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
        const token = randomBytes(24).toString('base64url');
        pending.set(token, { username, code, next, tries: 0 });
        options.sendCode?.(username, code);
        log.info('one-time code sent');
        sendHtml(res, 200, codePage({ pending: token }));
      },
    },
    '/login/code': {
      POST: async ({ req, res }) => {
        const form = await readForm(req);
        const token = form.get('pending') ?? '';
        const signingIn = pending.get(token);
        if (!signingIn) return sendHtml(res, 401, loginPage({ error: 'Sign in again: that code expired' }));
        if (form.get('code')?.trim() !== signingIn.code) {
          signingIn.tries += 1;
          log.info('one-time code refused');
          if (signingIn.tries >= CODE_TRIES) pending.delete(token);
          return sendHtml(res, 401, codePage({ pending: token, error: WRONG_CODE }));
        }
        pending.delete(token);
        signIn(res, signingIn.username, signingIn.next);
      },
    },
    '/logout': {
      POST: ({ req, res }) => {
        const token = sessionToken(req);
        if (token) sessions.delete(token);
        res.setHeader('Set-Cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`);
        redirect(res, 303, '/login');
      },
    },
    '/orders': {
      GET: ({ res, url, username }) => {
        if (!username) return redirectToLogin(res, url);
        const filter = parseFilter(url.searchParams);
        const page = parsePage(url.searchParams.get('page'));
        const matching = filterOrders(orders, filter);
        const totalPages = Math.max(1, Math.ceil(matching.length / ORDERS_PAGE_SIZE));
        const shown = Math.min(page, totalPages);
        const slice = matching.slice((shown - 1) * ORDERS_PAGE_SIZE, shown * ORDERS_PAGE_SIZE);
        sendHtml(
          res,
          200,
          ordersPage({ username, filter, orders: slice, page: shown, totalPages, total: matching.length }),
        );
      },
    },
    '/orders/export.csv': {
      GET: ({ res, url, username }) => {
        if (!username) return redirectToLogin(res, url);
        const filter = parseFilter(url.searchParams);
        const filename = `orders-${filter.from ?? 'all'}-${filter.to ?? 'all'}.csv`;
        res.writeHead(200, {
          'Content-Type': 'text/csv; charset=utf-8',
          'Content-Disposition': `attachment; filename="${filename}"`,
          'Cache-Control': 'no-store',
        });
        res.end(ordersCsv(filterOrders(orders, filter)));
      },
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://seller-centre.invalid');
    const route = routes[url.pathname];
    if (!route) throw new HttpError(404, `No page at ${url.pathname}`);
    const handler = route[req.method ?? 'GET'];
    if (!handler) {
      res.setHeader('Allow', Object.keys(route).join(', '));
      throw new HttpError(405, `${req.method ?? ''} is not allowed on ${url.pathname}`);
    }
    const token = sessionToken(req);
    await handler({ req, res, url, username: token ? sessions.get(token) : undefined });
  }

  const server = createServer((req, res) => {
    const started = Date.now();
    res.on('finish', () => {
      const path = (req.url ?? '').split('?')[0];
      log.debug('request', { method: req.method, path, status: res.statusCode, ms: Date.now() - started });
    });
    const latency = options.latencyMs
      ? new Promise((r) => setTimeout(r, options.latencyMs))
      : Promise.resolve();
    latency
      .then(() => handle(req, res))
      .catch((err: unknown) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        if (err instanceof HttpError) {
          return sendHtml(
            res,
            err.status,
            messagePage(err.status === 404 ? 'Not found' : 'Error', err.message),
          );
        }
        log.error('request failed', { error: err });
        sendHtml(res, 500, messagePage('Server error', 'Something went wrong'));
      });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${urlHost}:${address.port}`;
  log.info('seller centre listening', { url, orders: orders.length });

  return {
    url,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(html);
}

function redirect(res: ServerResponse, status: 302 | 303, location: string): void {
  res.writeHead(status, { Location: location, 'Cache-Control': 'no-store' });
  res.end();
}

function redirectToLogin(res: ServerResponse, url: URL): void {
  redirect(res, 302, `/login?next=${encodeURIComponent(url.pathname + url.search)}`);
}

/** Only same-site paths, so the login form cannot be used as an open redirect. */
function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/orders';
  return next;
}

function sessionToken(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === SESSION_COOKIE) return value.join('=');
  }
  return undefined;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new HttpError(415, 'Expected an application/x-www-form-urlencoded form');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'Form too large');
    chunks.push(buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

function parseDateParam(params: URLSearchParams, name: 'from' | 'to'): string | undefined {
  const value = params.get(name);
  if (!value) return undefined;
  const valid = DATE_PATTERN.test(value) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);
  if (!valid) throw new HttpError(400, `Invalid query parameter "${name}": expected a date as YYYY-MM-DD`);
  return value;
}

function isStatus(value: string): value is OrderStatus {
  return (ORDER_STATUSES as readonly string[]).includes(value);
}

function parseFilter(params: URLSearchParams): OrderFilter {
  const from = parseDateParam(params, 'from');
  const to = parseDateParam(params, 'to');
  if (from && to && from > to) {
    throw new HttpError(400, `Invalid query parameter "from": ${from} is after "to" (${to})`);
  }
  const status = params.get('status') || undefined;
  if (status !== undefined && !isStatus(status)) {
    throw new HttpError(
      400,
      `Invalid query parameter "status": expected one of ${ORDER_STATUSES.join(', ')}`,
    );
  }
  return { from, to, status };
}

function parsePage(value: string | null): number {
  if (value === null || value === '') return 1;
  if (!/^[1-9]\d{0,5}$/.test(value)) {
    throw new HttpError(400, 'Invalid query parameter "page": expected a positive integer');
  }
  return Number(value);
}
