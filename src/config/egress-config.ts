/**
 * Which callback_url hosts may be http or non-public, fleet-wide (`host[:port]`) or for one client
 * (`<client_id>=host[:port]`). One setting, read by the client (judged at submit, without DNS) and the
 * worker (judged again, with DNS, before each delivery). A host allows only the port named with it:
 * none is the scheme's default port, `*` any port.
 */
import { z } from 'zod';
import { ConfigError } from '../contract';
import { parseAllowedHost, type AllowedHost, type EgressPolicy } from '../webhooks';
import { optionalString } from './env';

export const egressSchema = z.object({ MLX_WEBHOOK_ALLOW_HOSTS: optionalString });

export function egressPolicy(e: z.output<typeof egressSchema>): EgressPolicy {
  const allowHosts: AllowedHost[] = [];
  const allowHostsByClient = new Map<string, AllowedHost[]>();
  for (const entry of (e.MLX_WEBHOOK_ALLOW_HOSTS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [client, host] = entry.includes('=') ? entry.split('=', 2) : [undefined, entry];
    const allowed = host ? parseAllowedHost(host) : undefined;
    if (!allowed || client === '') {
      throw new ConfigError(
        `bad setting MLX_WEBHOOK_ALLOW_HOSTS: "${entry}" is not host[:port|:*] or <client_id>=host[:port|:*]`,
      );
    }
    if (client === undefined) allowHosts.push(allowed);
    else allowHostsByClient.set(client, [...(allowHostsByClient.get(client) ?? []), allowed]);
  }
  return { allowHosts, allowHostsByClient };
}
