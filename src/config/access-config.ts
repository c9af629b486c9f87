/**
 * Which client owns which profile, read by the client (refused at submit) and the worker (refused again
 * before the browser starts) alike.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../contract';
import { parseProfileOwners, type ProfileOwners } from '../secrets';
import { optionalString } from './env';

export const accessSchema = z.object({
  MLX_PROFILE_OWNERS: optionalString,
  MLX_PROFILE_OWNERS_FILE: optionalString,
});

/** The profile-to-client map, or undefined when neither variable is set (profiles are not bound). */
export function profileOwners(e: z.output<typeof accessSchema>): ProfileOwners | undefined {
  if (e.MLX_PROFILE_OWNERS && e.MLX_PROFILE_OWNERS_FILE) {
    throw new ConfigError(
      'bad setting MLX_PROFILE_OWNERS: set either it or MLX_PROFILE_OWNERS_FILE, not both',
    );
  }
  try {
    if (e.MLX_PROFILE_OWNERS) return parseProfileOwners(e.MLX_PROFILE_OWNERS, 'MLX_PROFILE_OWNERS');
    if (!e.MLX_PROFILE_OWNERS_FILE) return undefined;
    const file = e.MLX_PROFILE_OWNERS_FILE;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new Error(`MLX_PROFILE_OWNERS_FILE: cannot read ${file}: ${(err as NodeJS.ErrnoException).code}`);
    }
    return parseProfileOwners(text, `MLX_PROFILE_OWNERS_FILE (${file})`);
  } catch (err) {
    throw new ConfigError(`bad setting ${(err as Error).message}`);
  }
}
