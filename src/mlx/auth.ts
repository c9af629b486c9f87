/** The token source a worker's settings ask for: MLX_TOKEN as given, or cloud sign-in. */
import { createCloudClient, DEFAULT_CLOUD_URL, type AutomationTokenPeriod } from './cloud-client';
import { createMlxHttp } from './http';
import { createRedactor } from '../secrets/redact';
import { cloudTokenSource, staticTokenSource, type TokenSource } from './token-source';
import { createTransport } from './transport';

export interface MlxAuthSettings {
  token?: string;
  signIn?: {
    cloudUrl?: string;
    email: string;
    password: string;
    workspaceId: string;
    automationTokenPeriod?: AutomationTokenPeriod;
    /** Renew this long before expiry (default 5 minutes). */
    refreshBeforeMs?: number;
  };
  timeoutMs?: number;
}

export function createTokenSource(settings: MlxAuthSettings): TokenSource {
  const { signIn } = settings;
  if (!signIn) return staticTokenSource(settings.token);
  let secrets: () => readonly string[] = () => [];
  const http = createMlxHttp({
    service: 'MLX cloud',
    baseUrl: signIn.cloudUrl ?? DEFAULT_CLOUD_URL,
    // The cloud has a public certificate: Node's own roots apply.
    transport: createTransport({ timeoutMs: settings.timeoutMs ?? 30_000 }),
    redact: createRedactor(() => secrets()),
    // The launcher may be fine; it is the cloud that does not answer.
    unreachableType: 'MlxRequestFailed',
  });
  const source = cloudTokenSource({ ...signIn, cloud: createCloudClient(http) });
  secrets = () => source.secrets();
  return source;
}
