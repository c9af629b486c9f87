import type { JobRef } from '../contract';
import { checkProfileOwner, type CredentialUse } from '../secrets';
import type { TaskDefinition } from '../tasks';
import type { ActivityDeps } from './deps';

/**
 * The worker's own check of a job, before it starts or drives a browser: the profile is the job's
 * client's (MLX_PROFILE_OWNERS), and each credential the task declares may be used by that client on
 * that origin. Throws ProfileNotAllowed or CredentialNotAllowed (not retried); returns the checked uses.
 */
export function checkJobAccess(
  deps: Pick<ActivityDeps, 'profileOwners' | 'secrets' | 'tasks'>,
  job: JobRef & { folder_id: string },
  task: { name: string; input: Record<string, unknown> },
): CredentialUse[] {
  checkProfileOwner(deps.profileOwners, job);
  const uses = credentialUses(deps.tasks.get(task.name), task.input);
  for (const use of uses) deps.secrets.check(use, job.client_id);
  return uses;
}

/** What the task declares it types where; none when its input does not parse (executeTask refuses it). */
function credentialUses(task: TaskDefinition, input: unknown): CredentialUse[] {
  if (!task.credentials) return [];
  const parsed = task.input.safeParse(input);
  return parsed.success ? task.credentials(parsed.data) : [];
}
