/**
 * The Temporal connection, read by @temporalio/envconfig: the standard TEMPORAL_* variables
 * (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS*, TEMPORAL_GRPC_META_*) over the
 * profile file (TEMPORAL_CONFIG_FILE, else ~/.config/temporalio/temporal.toml; TEMPORAL_PROFILE picks a
 * profile). The client and the worker connect the same way.
 */
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { ConfigError } from '../contract';

export interface TemporalSettings {
  /** What Connection.connect (client) and NativeConnection.connect (worker) take. */
  connection: Pick<NativeConnectionOptions, 'address' | 'apiKey' | 'tls' | 'metadata'> & { address: string };
  namespace: string;
}

export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';

/** The variables @temporalio/envconfig reads (and TEMPORAL_GRPC_META_<NAME> headers). */
export const TEMPORAL_SETTINGS: readonly string[] = [
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_API_KEY',
  'TEMPORAL_TLS',
  'TEMPORAL_TLS_CLIENT_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_CERT_DATA',
  'TEMPORAL_TLS_CLIENT_KEY_PATH',
  'TEMPORAL_TLS_CLIENT_KEY_DATA',
  'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  'TEMPORAL_TLS_SERVER_CA_CERT_DATA',
  'TEMPORAL_TLS_SERVER_NAME',
  'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION',
  'TEMPORAL_CONFIG_FILE',
  'TEMPORAL_PROFILE',
];

export function loadTemporalSettings(env: Record<string, string>): TemporalSettings {
  if (Boolean(env.TEMPORAL_TLS_CLIENT_CERT_PATH) !== Boolean(env.TEMPORAL_TLS_CLIENT_KEY_PATH)) {
    throw new ConfigError(
      'bad setting TEMPORAL_TLS_CLIENT_CERT_PATH: set it together with TEMPORAL_TLS_CLIENT_KEY_PATH (mTLS needs both)',
    );
  }
  let loaded;
  try {
    loaded = loadClientConnectConfig({ overrideEnvVars: env });
  } catch (err) {
    // e.g. a certificate path that cannot be read, or a profile file that does not parse
    throw new ConfigError(`bad setting TEMPORAL_* (Temporal connection): ${(err as Error).message}`);
  }
  const { connectionOptions, namespace } = loaded;
  return {
    connection: { ...connectionOptions, address: connectionOptions.address ?? DEFAULT_TEMPORAL_ADDRESS },
    namespace: namespace ?? 'default',
  };
}
