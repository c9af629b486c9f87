/**
 * Spans for the worker's own outgoing calls, under the step that makes them: HTTP to the MLX launcher
 * and cloud API (node:http, which the launcher client uses for its CA settings) and the Redis commands of
 * the lease and claim-check stores. Only inside a trace: the reaper's and the lease renewal's background
 * calls make none. No incoming spans: the worker serves only its metrics endpoint (a scrape is no trace)
 * and the embedded launcher, whose answers the client spans already time. Nothing secret reaches them:
 * a URL without its query string, no header, the process's redactor over the rest; a Redis command as
 * its name and keys, never a value nor AUTH's password.
 */
import { createRequire } from 'node:module';
import type { RequestOptions } from 'node:http';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation, type DbStatementSerializer } from '@opentelemetry/instrumentation-ioredis';
import { filterOutput } from './output-filter';

/** Commands whose every argument is a key; any other shows its name and how many arguments it had. */
const KEYS_ONLY = new Set(['GET', 'MGET', 'DEL', 'UNLINK', 'EXISTS', 'TTL', 'PTTL', 'SMEMBERS', 'ZCARD']);

/** A Redis command as its span shows it (db.statement): `EVAL mlx:lease:p1 mlx:lease-token`, `GET k`. */
export const redisStatement: DbStatementSerializer = (command, args) => {
  const name = command.toUpperCase();
  if (name === 'EVAL' || name === 'EVALSHA') {
    const keyCount = Number(args[1]);
    const keys = Number.isInteger(keyCount) ? args.slice(2, 2 + keyCount) : [];
    return filterOutput([name, ...keys.map(String)].join(' '));
  }
  if (KEYS_ONLY.has(name)) return filterOutput([name, ...args.map(String)].join(' '));
  return args.length ? `${name} [${args.length} arguments]` : name;
};

/** The URL of an outgoing request as its span shows it: no user info, no query string, redacted. */
export function outgoingUrlAttributes(request: RequestOptions): Record<string, string> {
  const protocol = request.protocol ?? 'http:';
  const host = request.hostname ?? request.host ?? 'localhost';
  const port = request.port ? `:${request.port}` : '';
  const path = (request.path ?? '/').split(/[?#]/)[0] || '/';
  const url = filterOutput(`${protocol}//${host.includes(':') ? `[${host}]` : host}${port}${path}`);
  return { 'http.url': url, 'url.full': url, 'http.target': filterOutput(path) };
}

let instrumentations: Instrumentation[] | undefined;

/**
 * The instrumentations, created once per process (a second set would wrap node:http twice). They patch
 * a module as it is required; the worker has required these before its telemetry starts (its modules
 * import them at the top), so they are required again here, which patches the loaded modules in place
 * (node:http's request, ioredis's prototype).
 */
export function outgoingCallInstrumentations(): Instrumentation[] {
  if (instrumentations) return instrumentations;
  instrumentations = [
    new HttpInstrumentation({
      disableIncomingRequestInstrumentation: true,
      requireParentforOutgoingSpans: true,
      startOutgoingSpanHook: outgoingUrlAttributes,
    }),
    new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: redisStatement }),
  ];
  const load = createRequire(__filename);
  for (const name of ['node:http', 'node:https', 'ioredis']) load(name);
  return instrumentations;
}
