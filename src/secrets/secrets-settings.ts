import { readFileSync } from 'node:fs';
import { ConfigError } from '../contract';
import { parseSecrets, type CredentialMap } from './task-secrets';

/**
 * The task credentials of MLX_TASK_SECRETS_FILE and MLX_TASK_SECRETS (the latter wins per name), as the
 * worker and `mlx-jobs task run` read them; a bad one is a ConfigError naming the setting, never a value.
 */
export function loadTaskSecrets(settings: { file?: string; json?: string }): CredentialMap {
  const { file, json } = settings;
  try {
    let text: string | undefined;
    try {
      text = file === undefined ? undefined : readFileSync(file, 'utf8');
    } catch (err) {
      throw new Error(`MLX_TASK_SECRETS_FILE: cannot read ${file}: ${(err as NodeJS.ErrnoException).code}`);
    }
    const fromFile = text === undefined ? {} : parseSecrets(text, `MLX_TASK_SECRETS_FILE (${file})`);
    const fromEnv = json ? parseSecrets(json, 'MLX_TASK_SECRETS') : {};
    return { ...fromFile, ...fromEnv };
  } catch (err) {
    throw new ConfigError(`bad setting ${(err as Error).message}`);
  }
}
