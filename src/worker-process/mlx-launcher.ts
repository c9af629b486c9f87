import { readFileSync } from 'node:fs';
import { ConfigError, type WorkerConfig } from '../config';
import type { Logger } from '../telemetry';
import { createLauncherClient, createTokenSource, type LauncherClient } from '../mlx';

/** The MLX launcher client a worker's settings describe: auth, TLS and strict mode. */
export function launcherClientFromConfig(
  config: WorkerConfig,
  baseUrl: string,
  log: Logger,
  /** Told about every token and password the client holds, for the worker's redactor. */
  onSecrets?: (source: () => readonly string[]) => void,
): LauncherClient {
  const { mlx } = config;
  let ca: Buffer | undefined;
  if (mlx.launcherCaFile) {
    try {
      ca = readFileSync(mlx.launcherCaFile);
    } catch (err) {
      throw new ConfigError(
        `bad setting MLX_LAUNCHER_CA_FILE: cannot read ${mlx.launcherCaFile}: ${(err as Error).message}`,
      );
    }
  }
  if (mlx.launcherInsecure) {
    log.warn(
      'MLX_LAUNCHER_INSECURE=true: the launcher certificate is NOT verified; anyone on the path can read the MLX token',
      { launcher_url: baseUrl },
    );
  }
  const tokens = createTokenSource({ token: config.mlxToken, signIn: mlx.signIn });
  onSecrets?.(() => tokens.secrets());
  log.info('mlx launcher client', {
    launcher_url: baseUrl,
    auth: mlx.signIn ? 'cloud sign-in' : config.mlxToken ? 'MLX_TOKEN' : 'none',
    strict_mode: mlx.strictMode,
    tls_ca: mlx.launcherCaFile ?? null,
  });
  return createLauncherClient({
    baseUrl,
    tokens,
    ca,
    insecure: mlx.launcherInsecure,
    strictMode: mlx.strictMode,
  });
}
