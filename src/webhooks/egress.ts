/**
 * Where a webhook may go. callback_url is chosen by whoever submits a job, so it is checked like any
 * input from outside: https only (http for hosts an operator allows), no credentials in the URL, and
 * every address its host resolves to must be public unless the host is on the allowlist (fleet-wide,
 * or for one client). The POST is then made to the address that was checked (delivery.ts), so a DNS
 * answer cannot change between the check and the connection.
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

export interface EgressPolicy {
  /** Hosts (names or IP literals) allowed over http and on non-public addresses, for every client. */
  allowHosts: readonly string[];
  /** The same, per client id. */
  allowHostsByClient: Readonly<Record<string, readonly string[]>>;
}

export const STRICT_EGRESS: EgressPolicy = { allowHosts: [], allowHostsByClient: {} };

export interface CheckedTarget {
  url: URL;
  /** The address the POST connects to. */
  address: string;
  family: 4 | 6;
}

/** Why a target is refused; the message names the rule, never an address or a port. */
export class EgressRefused extends Error {
  override readonly name = 'EgressRefused';
}

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
  ['64:ff9b::', 96], // NAT64 of any IPv4
  ['100::', 64], // discard
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

/** An IPv4-mapped IPv6 address (::ffff:a.b.c.d or ::ffff:xxxx:xxxx) as the IPv4 address it carries. */
function unmapped(address: string): string {
  const match = /^::ffff:(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/i.exec(address);
  if (!match) return address;
  if (match[1]) return match[1];
  const hi = parseInt(match[2]!, 16);
  const lo = parseInt(match[3]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

export function isPublicAddress(address: string): boolean {
  const plain = unmapped(address.replace(/^\[|\]$/g, ''));
  const family = isIP(plain);
  if (family === 0) return false;
  return !blocked.check(plain, family === 4 ? 'ipv4' : 'ipv6');
}

function hostAllowed(policy: EgressPolicy, clientId: string, host: string): boolean {
  const allowed = [...policy.allowHosts, ...(policy.allowHostsByClient[clientId] ?? [])];
  return allowed.some((h) => h.toLowerCase() === host.toLowerCase());
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
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new EgressRefused('callback_url is not a URL');
  }
  if (url.username || url.password) throw new EgressRefused('callback_url must not carry credentials');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const allowed = hostAllowed(policy, clientId, host);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowed)) {
    throw new EgressRefused('callback_url must be https (http only for hosts an operator allows)');
  }
  let addresses: { address: string; family: number }[];
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await resolve(host);
    } catch {
      throw new EgressRefused('callback_url host does not resolve');
    }
  }
  if (addresses.length === 0) throw new EgressRefused('callback_url host does not resolve');
  if (!allowed && !addresses.every((a) => isPublicAddress(a.address))) {
    throw new EgressRefused(
      'callback_url host is on a private, loopback, link-local, metadata or otherwise non-public address',
    );
  }
  const first = addresses[0]!;
  return { url, address: unmapped(first.address), family: isIP(unmapped(first.address)) === 6 ? 6 : 4 };
}
