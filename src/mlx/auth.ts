/** The token source a worker's settings ask for: MLX_TOKEN as given, or cloud sign-in. */
import { createCloudClient, DEFAULT_CLOUD_URL } from './cloud-client';
import { createMlxHttp } from './http';
import { createRedactor } from '../secrets';
import { cloudTokenSource, staticTokenSource, type CloudCredentials, type TokenSource } from './token-source';
import { createTransport } from './transport';

/** Cloud sign-in, as MLX_EMAIL, MLX_PASSWORD, MLX_WORKSPACE_ID, MLX_CLOUD_URL and MLX_AUTOMATION_TOKEN set it. */
export interface MlxSignIn extends CloudCredentials {
  cloudUrl?: string;
  /** Renew this long before expiry (default 5 minutes). */
  refreshBeforeMs?: number;
}

export interface MlxAuthSettings {
  token?: string;
  signIn?: MlxSignIn;
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
