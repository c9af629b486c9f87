/**
 * What can be judged of a callback_url without DNS, on the client at submit and on the worker before
 * it resolves: https only (http for hosts an operator allows), no user info, and a host that is an IP
 * literal or localhost must be public unless allowed. An allowed host allows only the port(s) named
 * with it. Addresses are classified with ipaddr.js's ranges; no DNS, so it runs anywhere.
 */
import ipaddr from 'ipaddr.js';

/** One allowlist entry: a host (as URL parsing spells it) and its port; `*` any port, none the default. */
export interface AllowedHost {
  host: string;
  port?: number | '*';
}

export interface EgressPolicy {
  /** Hosts allowed over http and on non-public addresses, for every client. */
  allowHosts: readonly AllowedHost[];
  /** The same, per client id. */
  allowHostsByClient: ReadonlyMap<string, readonly AllowedHost[]>;
}

export const STRICT_EGRESS: EgressPolicy = { allowHosts: [], allowHostsByClient: new Map() };

/** Why a target is refused; the message names the rule, never an address or a port. */
export class EgressRefused extends Error {
  override readonly name = 'EgressRefused';
}

export const NOT_PUBLIC =
  'callback_url host is a private, loopback, link-local, metadata or otherwise non-public address';

const ENTRY = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}|\*))?$/;

/** `host`, `host:port`, `host:*`, `[v6]:port` (a bare IPv6 address too), or undefined when it is none. */
export function parseAllowedHost(entry: string): AllowedHost | undefined {
  const bare = ipaddr.IPv6.isValid(entry) && !entry.startsWith('[') ? `[${entry}]` : entry;
  const match = ENTRY.exec(bare);
  if (!match) return undefined;
  let host: string;
  try {
    host = new URL(`http://${match[1]}/`).hostname;
  } catch {
    return undefined;
  }
  const port = match[2] === undefined ? undefined : match[2] === '*' ? '*' : Number(match[2]);
  if (typeof port === 'number' && (port < 1 || port > 65_535)) return undefined;
  return port === undefined ? { host } : { host, port };
}

const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');

/**
 * Whether an address is one the internet routes to a single public host: IPv4 outside every special
 * range; IPv6 only in global unicast (2000::/3) and there outside the special ranges (6to4, Teredo,
 * NAT64, documentation...). An IPv4-mapped address is judged as the IPv4 address it carries.
 */
export function isPublicAddress(address: string): boolean {
  const plain = address.replace(/^\[|\]$/g, '');
  if (!ipaddr.IPv4.isValidFourPartDecimal(plain) && !ipaddr.IPv6.isValid(plain)) return false;
  const parsed = ipaddr.process(plain);
  if (parsed.kind() === 'ipv4') return parsed.range() === 'unicast';
  return parsed.match(GLOBAL_UNICAST_V6) && parsed.range() === 'unicast';
}

/** The IPv4 address an IPv4-mapped IPv6 address carries, else the address as it is. */
export function unmapped(address: string): string {
  const plain = address.replace(/^\[|\]$/g, '');
  return ipaddr.isValid(plain) ? ipaddr.process(plain).toString() : plain;
}

export interface JudgedTarget {
  url: URL;
  /** The host (and port) is on the allowlist for this client. */
  allowed: boolean;
  /** The host is an IP literal: the address to connect to, already checked. */
  address?: string;
}

const defaultPort = (url: URL) => (url.protocol === 'https:' ? 443 : 80);

function hostAllowed(policy: EgressPolicy, clientId: string, url: URL): boolean {
  const entries = [...policy.allowHosts, ...(policy.allowHostsByClient.get(clientId) ?? [])];
  const port = Number(url.port) || defaultPort(url);
  return entries.some(
    (e) => e.host === url.hostname && (e.port === '*' || (e.port ?? defaultPort(url)) === port),
  );
}

const isLocalhost = (host: string) => /(^|\.)localhost\.?$/i.test(host);

/** Everything but DNS: throws EgressRefused naming the rule a URL breaks. */
export function judgeTarget(raw: string, clientId: string, policy: EgressPolicy): JudgedTarget {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new EgressRefused('callback_url is not a URL');
  }
  if (url.username || url.password) throw new EgressRefused('callback_url must not carry credentials');
  const allowed = hostAllowed(policy, clientId, url);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowed)) {
    throw new EgressRefused('callback_url must be https (http only for hosts and ports an operator allows)');
  }
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  const isLiteral =
    ipaddr.isValid(literal) && (literal.includes(':') || ipaddr.IPv4.isValidFourPartDecimal(literal));
  if (!allowed && ((isLiteral && !isPublicAddress(literal)) || isLocalhost(literal))) {
    throw new EgressRefused(NOT_PUBLIC);
  }
  return { url, allowed, ...(isLiteral && { address: literal }) };
}
