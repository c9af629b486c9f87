/**
 * One webhook POST to a checked target: connects to the checked address (the URL's host is kept for
 * the Host header and TLS), follows no redirect, reads at most a few KiB of the answer, and gives up
 * at the deadline. What it returns says only "status N", "no connection" or "no answer in time", nothing
 * about why.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { CheckedTarget } from './egress';

export type DeliveryResult =
  | { connected: true; status: number; retryAfter?: string }
  /** `timedOut`: the deadline passed first (a receiver that hangs), else the connection failed. */
  | { connected: false; timedOut: boolean };

const MAX_RESPONSE_BYTES = 16 * 1024;

export function deliver(
  target: CheckedTarget,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<DeliveryResult> {
  const pinned: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all)
      callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  const send = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: DeliveryResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const req = send(
      target.url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: pinned,
      },
      (res) => {
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) res.destroy();
        });
        const status = res.statusCode ?? 0;
        const retryAfter = res.headers['retry-after'];
        const finish = () => done({ connected: true, status, retryAfter });
        res.on('end', finish);
        res.on('close', finish);
        res.on('error', finish);
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      done({ connected: false, timedOut: true });
    }, timeoutMs);
    req.on('error', () => done({ connected: false, timedOut: false }));
    req.end(body);
  });
}
