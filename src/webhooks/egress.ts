/**
 * Where a webhook may go. callback_url is chosen by whoever submits a job, so it is checked like any
 * input from outside: first what needs no DNS (target-rules.ts, also judged at submit), then every
 * address its host resolves to must be public unless the host is on the allowlist (fleet-wide, or for
 * one client). The POST is then made to the address that was checked (delivery.ts), so a DNS answer
 * cannot change between the check and the connection.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import {
  EgressRefused,
  isPublicAddress,
  judgeTarget,
  NOT_PUBLIC,
  unmapped,
  type EgressPolicy,
} from './target-rules';

export interface CheckedTarget {
  url: URL;
  /** The address the POST connects to. */
  address: string;
  family: 4 | 6;
}

export type Resolve = (host: string) => Promise<{ address: string; family: number }[]>;

const resolveAll: Resolve = (host) => lookup(host, { all: true, verbatim: true });

/** Checks `url` for `clientId` and resolves it to the one address the POST must use. */
export async function checkTarget(
  raw: string,
  clientId: string,
  policy: EgressPolicy,
  resolve: Resolve = resolveAll,
): Promise<CheckedTarget> {
  const { url, allowed, address } = judgeTarget(raw, clientId, policy);
  let addresses: { address: string }[];
  if (address) addresses = [{ address }];
  else {
    try {
      addresses = await resolve(url.hostname);
    } catch {
      throw new EgressRefused('callback_url host does not resolve');
    }
  }
  if (addresses.length === 0) throw new EgressRefused('callback_url host does not resolve');
  if (!allowed && !addresses.every((a) => isPublicAddress(a.address))) {
    throw new EgressRefused(NOT_PUBLIC);
  }
  const pinned = unmapped(addresses[0]!.address);
  return { url, address: pinned, family: isIP(pinned) === 6 ? 6 : 4 };
}
