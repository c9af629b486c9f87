import { createHash } from 'node:crypto';
import { failure, type JobSpec } from '../contract';

/** The parts of a spec a resubmission is compared by, each named as the user wrote it. */
const PARTS: Record<string, (spec: JobSpec) => unknown> = {
  profile_id: (s) => s.profile_id,
  folder_id: (s) => s.folder_id,
  platform: (s) => s.platform,
  client_id: (s) => s.client_id,
  'task.name': (s) => s.task.name,
  'task.input': (s) => s.task.input,
  callback_url: (s) => s.callback_url,
  headless: (s) => s.headless,
  deadline_ms: (s) => s.deadline_ms,
  policies: (s) => s.policies,
};

/** The memo key a run keeps its spec's digest under. */
export const SPEC_DIGEST_MEMO = 'spec_digest';

/**
 * One short hash per part of the spec (keys sorted, so `{"a":1,"b":2}` and `{"b":2,"a":1}` agree): kept
 * in the run's memo (encrypted with the payloads), so a resubmission can be compared field by field
 * without keeping the spec itself a second time.
 */
export function specDigest(spec: JobSpec): Record<string, string> {
  return Object.fromEntries(
    Object.entries(PARTS).map(([name, part]) => [
      name,
      createHash('sha256')
        .update(canonical(part(spec)))
        .digest('hex')
        .slice(0, 32),
    ]),
  );
}

/**
 * A JobConflict when `digest` (this submission) differs from the one the existing run kept; nothing
 * when they agree or the run predates digests. Names the differing fields, never their values.
 */
export function checkSameSpec(jobId: string, kept: unknown, digest: Record<string, string>): void {
  if (kept === null || typeof kept !== 'object') return;
  const before = kept as Record<string, unknown>;
  const fields = Object.keys(digest).filter((name) => before[name] !== digest[name]);
  if (fields.length === 0) return;
  throw failure(
    'JobConflict',
    `job ${jobId} was already submitted with a different spec (${fields.join(', ')} differ): use a new job_id, or the same spec to get the existing run`,
    { details: { job_id: jobId, fields } },
  );
}

function canonical(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
}
