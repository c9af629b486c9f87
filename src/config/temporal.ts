import { readFileSync } from 'node:fs';
import type { NativeConnectionOptions } from '@temporalio/worker';
import type { Config } from './worker-config';

/** Connection settings for the client and the worker, from the standard TEMPORAL_* variables. */
export function temporalConnectionOptions(
  config: Config,
): Required<Pick<NativeConnectionOptions, 'address'>> & Pick<NativeConnectionOptions, 'apiKey' | 'tls'> {
  const { address, apiKey, tls } = config.temporal;
  return {
    address,
    apiKey,
    tls: tls
      ? {
          serverNameOverride: tls.serverName,
          serverRootCACertificate: tls.serverCaCertPath ? readFileSync(tls.serverCaCertPath) : undefined,
          clientCertPair:
            tls.clientCertPath && tls.clientKeyPath
              ? { crt: readFileSync(tls.clientCertPath), key: readFileSync(tls.clientKeyPath) }
              : undefined,
        }
      : undefined,
  };
}
