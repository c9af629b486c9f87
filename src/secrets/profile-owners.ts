import { z } from 'zod';
import { failure, ownValue } from '../contract';

/**
 * Which client owns which MLX profile. A profile keeps its logged-in sessions between jobs, so a job
 * for one client must never run on another client's profile. Either map single profiles, or make the
 * MLX folder the tenant boundary (every profile in a folder belongs to its client; MLX itself refuses
 * to start a profile under a folder it is not in).
 */
export interface ProfileOwners {
  profiles: Readonly<Record<string, string>>;
  folders: Readonly<Record<string, string>>;
}

const ID = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'letters, digits, . _ - (at most 128)');

const ownersSchema = z.strictObject({
  profiles: z.record(ID, ID).default({}),
  folders: z.record(ID, ID).default({}),
});

/** Parses `{"profiles": {"<profile_id>": "<client_id>"}, "folders": {"<folder_id>": "<client_id>"}}`. */
export function parseProfileOwners(json: string, source: string): ProfileOwners {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new Error(`${source}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = ownersSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`,
  );
  throw new Error(`${source}: ${problems.join('; ')}`);
}

/** Why `clientId` may not run a job on this profile, or undefined when it owns it. */
export function profileProblem(
  owners: ProfileOwners,
  job: { profile_id: string; folder_id: string; client_id: string },
): string | undefined {
  const byProfile = ownValue(owners.profiles, job.profile_id);
  const byFolder = ownValue(owners.folders, job.folder_id);
  // A listed profile named under another client's folder is refused whoever asks: which folder a job
  // names must never be what lets it open a profile.
  const owner =
    byProfile !== undefined && byFolder !== undefined && byFolder !== byProfile
      ? null
      : (byProfile ?? byFolder);
  if (owner === job.client_id) return undefined;
  // Never say whose it is: that would tell one client about another's profiles.
  return owner === undefined
    ? `profile_id: profile ${job.profile_id} (folder ${job.folder_id}) is assigned to no client`
    : `profile_id: profile ${job.profile_id} is not one of client ${job.client_id}'s profiles`;
}

/** profileProblem as a ProfileNotAllowed failure (not retried). */
export function checkProfileOwner(
  owners: ProfileOwners | undefined,
  job: { profile_id: string; folder_id: string; client_id: string },
): void {
  const problem = owners && profileProblem(owners, job);
  if (problem) {
    throw failure('ProfileNotAllowed', problem, {
      details: { profile_id: job.profile_id, client_id: job.client_id },
    });
  }
}
