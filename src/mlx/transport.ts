/**
 * One HTTP(S) request with node:http/https: unlike the global fetch, it takes a CA bundle or an
 * explicit "do not verify" switch per client, which the MLX launcher's own certificate needs.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface TransportOptions {
  /** PEM CA bundle trusted for https URLs; it replaces Node's default roots for this client. */
  ca?: string | Buffer;
  /** Skip certificate verification. Only for a launcher reached by IP; the caller warns loudly. */
  insecure?: boolean;
  /** Per request, including reading the body. */
  timeoutMs: number;
}

export interface TransportRequest {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface TransportResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export type Transport = (request: TransportRequest) => Promise<TransportResponse>;

/** Raised when no response arrives in time; `code` lets callers treat it like other network faults. */
export class TransportTimeoutError extends Error {
  override readonly name = 'TimeoutError';
  readonly code = 'ETIMEDOUT';
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;

export function createTransport(options: TransportOptions): Transport {
  const { ca, insecure = false, timeoutMs } = options;
  return ({ method, url, headers = {}, body }) =>
    new Promise<TransportResponse>((resolve, reject) => {
      const target = new URL(url);
      const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(
        target,
        {
          method,
          headers: body === undefined ? headers : { ...headers, 'Content-Length': Buffer.byteLength(body) },
          ...(target.protocol === 'https:' && { ca, rejectUnauthorized: !insecure }),
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_BODY_BYTES) {
              req.destroy(new Error(`response body larger than ${MAX_BODY_BYTES} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          res.on('error', reject);
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          );
        },
      );
      const timer = setTimeout(
        () => req.destroy(new TransportTimeoutError(`no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      req.on('close', () => clearTimeout(timer));
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.end(body);
    });
}
