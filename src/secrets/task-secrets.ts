import { z } from 'zod';
import { failure } from '../contract';

/** Named credentials a task may use; values never leave the worker (not in history, logs or spans). */
export interface SecretStore {
  /** The fields of one credential (e.g. username, password); throws TaskSecretMissing when absent. */
  get(ref: string): Readonly<Record<string, string>>;
}

export type SecretMap = Record<string, Record<string, string>>;

const secretsSchema = z.record(z.string().min(1), z.record(z.string().min(1), z.string()));

/** An in-memory store over named credentials; errors name the reference, never a value. */
export function createSecretStore(map: SecretMap): SecretStore {
  // A Map, so refs such as "constructor" or "__proto__" never resolve to inherited properties.
  const byRef = new Map(Object.entries(map).map(([ref, fields]) => [ref, Object.freeze({ ...fields })]));
  return {
    get(ref) {
      const credential = byRef.get(ref);
      if (!credential) {
        throw failure('TaskSecretMissing', `no credential named "${ref}" is configured on this worker`, {
          details: { ref },
        });
      }
      return credential;
    },
  };
}

/**
 * Parses `{"<ref>": {"<field>": "<value>", ...}, ...}`. `source` says where the JSON came from (an env
 * var, a file) so the error points at it; errors name refs and fields but never quote a value.
 */
export function parseSecrets(json: string, source: string): SecretMap {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    // V8's message quotes the text around the error, which may be a password: leave it out.
    throw new Error(`${source}: not valid JSON`);
  }
  const parsed = secretsSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new Error(`${source}: ${parsed.error.issues.map(describeIssue).join('; ')}`);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const [ref, field] = issue.path.map(String);
  if (ref === undefined) return 'expected an object mapping credential names to credentials';
  if (issue.code === 'invalid_key') {
    return field === undefined
      ? 'credential names must not be empty'
      : `credential "${ref}": field names must not be empty`;
  }
  if (field === undefined) return `credential "${ref}": expected an object of string fields`;
  return `credential "${ref}" field "${field}": expected a string`;
}
