import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where scripts/ensure-tools.sh caches the tools it builds: $MLX_TOOLS_CACHE, or ~/.cache/mlx-jobs. */
export function toolsCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.MLX_TOOLS_CACHE ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'mlx-jobs');
}

/** The first executable called `name` in the directories of PATH, or undefined. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return (env.PATH ?? '')
    .split(':')
    .filter(Boolean)
    .map((dir) => join(dir, name))
    .find((path) => existsSync(path));
}
