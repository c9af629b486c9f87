/**
 * How a worker signs and aims webhooks: a fleet default secret and per-client secrets (each a list
 * while a secret is rotated, newest first), whether unsigned delivery is allowed at all, and which
 * callback_url hosts may be http or non-public (egress-config.ts, read by clients too).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, ownValue } from '../contract';
import type { EgressPolicy } from '../webhooks';
import { isPublishedExample } from './published-examples';
import { egressPolicy, egressSchema } from './egress-config';
import { bool, optionalString } from './env';

export const webhookSchema = z.object({
  MLX_WEBHOOK_SECRET: optionalString,
  MLX_WEBHOOK_SECRETS: optionalString,
  MLX_WEBHOOK_SECRETS_FILE: optionalString,
  MLX_WEBHOOK_UNSIGNED: bool.default(false),
  ...egressSchema.shape,
});

export interface WebhookSettings {
  /** Fleet default, newest first; empty when unsigned delivery is allowed and no secret is set. */
  defaultSecrets: string[];
  byClient: Record<string, string[]>;
  unsignedAllowed: boolean;
  egress: EgressPolicy;
}

const MIN_SECRET = 16;
const secretList = z.union([z.string(), z.array(z.string()).min(1).max(2)]);
const ClientSecretsSchema = z.record(z.string().min(1), secretList);

function checkSecrets(list: string[], setting: string): string[] {
  if (list.length > 2)
    throw new ConfigError(`bad setting ${setting}: at most two secrets (new, old) at once`);
  if (list.some(isPublishedExample)) {
    throw new ConfigError(
      `bad setting ${setting}: that is the example secret the repository shipped; set your own (openssl rand -hex 24)`,
    );
  }
  if (list.some((s) => s.length < MIN_SECRET)) {
    throw new ConfigError(`bad setting ${setting}: every secret must be at least ${MIN_SECRET} characters`);
  }
  return list;
}

function clientSecrets(json: string, setting: string): Record<string, string[]> {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new ConfigError(`bad setting ${setting}: not valid JSON`); // never quote it: it holds secrets
  }
  const parsed = ClientSecretsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      `bad setting ${setting}: expected {"<client_id>": "<secret>" | ["<new>", "<old>"]}`,
    );
  }
  return Object.fromEntries(
    Object.entries(parsed.data).map(([client, value]) => [
      client,
      checkSecrets(typeof value === 'string' ? [value] : value, `${setting} (client "${client}")`),
    ]),
  );
}

export function webhookSettings(e: z.output<typeof webhookSchema>): WebhookSettings {
  const defaultSecrets = e.MLX_WEBHOOK_SECRET
    ? checkSecrets(
        e.MLX_WEBHOOK_SECRET.split(',').map((s) => s.trim()),
        'MLX_WEBHOOK_SECRET',
      )
    : [];
  let byClient: Record<string, string[]> = {};
  if (e.MLX_WEBHOOK_SECRETS_FILE) {
    let text: string;
    try {
      text = readFileSync(e.MLX_WEBHOOK_SECRETS_FILE, 'utf8');
    } catch {
      throw new ConfigError(
        `bad setting MLX_WEBHOOK_SECRETS_FILE: cannot read ${e.MLX_WEBHOOK_SECRETS_FILE}`,
      );
    }
    byClient = clientSecrets(text, 'MLX_WEBHOOK_SECRETS_FILE');
  }
  if (e.MLX_WEBHOOK_SECRETS)
    byClient = { ...byClient, ...clientSecrets(e.MLX_WEBHOOK_SECRETS, 'MLX_WEBHOOK_SECRETS') };
  if (defaultSecrets.length === 0 && !e.MLX_WEBHOOK_UNSIGNED) {
    throw new ConfigError(
      'bad setting MLX_WEBHOOK_SECRET: webhooks are signed; set a fleet secret (16+ characters) or MLX_WEBHOOK_UNSIGNED=true',
    );
  }
  return {
    defaultSecrets,
    byClient,
    unsignedAllowed: e.MLX_WEBHOOK_UNSIGNED,
    egress: egressPolicy(e),
  };
}

/** The secrets one client's deliveries are signed with: its own, else the fleet default. */
export function secretsForClient(settings: WebhookSettings): (clientId: string) => readonly string[] {
  return (clientId) => ownValue(settings.byClient, clientId) ?? settings.defaultSecrets;
}
