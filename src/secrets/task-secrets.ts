import { z } from 'zod';
import { failure } from '../contract';

/**
 * Named credentials a task may use; values never leave the worker (not in history, logs or spans). A
 * task sees only the credentials its job was checked for (CredentialStore.forJob).
 */
export interface SecretStore {
  /** The fields of one credential (e.g. username, password); throws when the job may not use it. */
  get(ref: string): Readonly<Record<string, string>>;
}

/** One credential as the worker holds it: its fields, where it may be typed and who may use it. */
export interface Credential {
  /** What the task reads: username, password, … */
  readonly fields: Readonly<Record<string, string>>;
  /** Origins (`https://host[:port]`) whose pages it may be typed into; a task's navigation stays there. */
  readonly origins: readonly string[];
  /** The client_ids whose jobs may use it. */
  readonly clients: readonly string[];
  /** Fields that are not secret (not redacted from output), e.g. a user name shown on the page. */
  readonly publicFields: readonly string[];
}

export type CredentialMap = Record<string, Credential>;

/** A task's declared use of a credential: typed into the page at `url`. */
export interface CredentialUse {
  account: string;
  url: string;
}

/** The worker's credentials: checks a job's uses, hands a task only what was checked. */
export interface CredentialStore {
  /** Throws CredentialNotAllowed (or TaskSecretMissing) unless `clientId` may type `use.account` at `use.url`. */
  check(use: CredentialUse, clientId: string): void;
  /** The checked credentials of one job, as the store its task reads. */
  forJob(uses: readonly CredentialUse[], clientId: string): SecretStore;
  /** The origins the job's credentials allow: where the frames of its task's pages may navigate. */
  originsOf(uses: readonly CredentialUse[]): string[];
  /** Every secret value held, for the redactor. */
  secretValues(): string[];
}

/** Keys of a credential entry that configure it rather than hold a value. */
const RESERVED = ['origins', 'clients', 'allow_http', 'public_fields'] as const;
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const credentialSchema = z
  .object({
    origins: z.array(z.string()).min(1, 'needs at least one origin'),
    clients: z.array(z.string().regex(ID, 'a client_id')).min(1, 'needs at least one client_id'),
    allow_http: z.boolean().default(false),
    public_fields: z.array(z.string()).default([]),
  })
  .catchall(z.string());

/** `https://host[:port]` as URL.origin spells it, or why not. */
function originProblem(value: string, allowHttp: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `"${value}" is not an origin such as https://seller.example`;
  }
  if (url.origin !== value.replace(/\/$/, '')) return `"${value}" is not an origin (no path, query or user)`;
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') {
    return allowHttp
      ? undefined
      : `"${value}" is http: set "allow_http": true to allow it for this credential`;
  }
  return `"${value}" must be https`;
}

/**
 * Parses the secrets file (docs/security.md, "The secrets file"): `{"<ref>": {"username": "…",
 * "password": "…", "origins": ["https://…"], "clients": ["<client_id>"]}}`. `source` says where the
 * JSON came from (an env var, a file) so the error points at it; errors name refs and fields but never
 * quote a value.
 */
export function parseSecrets(json: string, source: string): CredentialMap {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    // V8's message quotes the text around the error, which may be a password: leave it out.
    throw new Error(`${source}: not valid JSON`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new Error(`${source}: expected an object mapping credential names to credentials`);
  }
  const problems: string[] = [];
  const map: CredentialMap = {};
  for (const [ref, entry] of Object.entries(raw as Record<string, unknown>)) {
    if (!ref) {
      problems.push('credential names must not be empty');
      continue;
    }
    const parsed = credentialSchema.safeParse(entry);
    if (!parsed.success) {
      problems.push(...parsed.error.issues.map((issue) => describeIssue(ref, issue)));
      continue;
    }
    const { origins, clients, allow_http, public_fields, ...fields } = parsed.data;
    const bad = origins.map((o) => originProblem(o, allow_http)).filter((p): p is string => !!p);
    problems.push(...bad.map((p) => `credential "${ref}" origins: ${p}`));
    if (Object.keys(fields).some((name) => !name)) {
      problems.push(`credential "${ref}": field names must not be empty`);
    }
    const unknown = public_fields.filter((name) => !(name in fields));
    if (unknown.length) problems.push(`credential "${ref}" public_fields: no field ${unknown.join(', ')}`);
    map[ref] = {
      fields,
      origins: origins.map((o) => new URL(o).origin),
      clients,
      publicFields: public_fields,
    };
  }
  if (problems.length) throw new Error(`${source}: ${problems.join('; ')}`);
  return map;
}

function describeIssue(ref: string, issue: z.core.$ZodIssue): string {
  const [field] = issue.path.map(String);
  if (field === undefined) return `credential "${ref}": expected an object`;
  if ((RESERVED as readonly string[]).includes(field))
    return `credential "${ref}" ${field}: ${issue.message}`;
  return `credential "${ref}" field "${field}": expected a string`;
}

/** A store over the parsed credentials; errors name the credential and origin, never a value. */
export function createCredentialStore(map: CredentialMap): CredentialStore {
  // A Map, so refs such as "constructor" or "__proto__" never resolve to inherited properties.
  const byRef = new Map(Object.entries(map));
  const credential = (ref: string): Credential => {
    const found = byRef.get(ref);
    if (!found) {
      throw failure('TaskSecretMissing', `no credential named "${ref}" is configured on this worker`, {
        details: { ref },
      });
    }
    return found;
  };
  const check = ({ account, url }: CredentialUse, clientId: string): void => {
    const found = credential(account);
    if (!found.clients.includes(clientId)) {
      throw failure('CredentialNotAllowed', `credential "${account}" is not one client ${clientId} may use`, {
        details: { account, client_id: clientId },
      });
    }
    const origin = originOf(url);
    if (!origin || !found.origins.includes(origin)) {
      throw failure(
        'CredentialNotAllowed',
        `credential "${account}" may not be typed into ${origin ?? 'that URL'}: its origins are ${found.origins.join(', ')}`,
        { details: { account, origin } },
      );
    }
  };
  return {
    check,
    forJob(uses, clientId) {
      for (const use of uses) check(use, clientId);
      const allowed = new Set(uses.map((use) => use.account));
      return {
        get(ref) {
          if (!allowed.has(ref)) {
            throw failure('CredentialNotAllowed', `credential "${ref}" was not checked for this job`, {
              details: { account: ref },
            });
          }
          return Object.freeze({ ...credential(ref).fields });
        },
      };
    },
    originsOf: (uses) => [...new Set(uses.flatMap((use) => credential(use.account).origins))],
    secretValues: () =>
      [...byRef.values()].flatMap(({ fields, publicFields }) =>
        Object.entries(fields)
          .filter(([name]) => !publicFields.includes(name))
          .map(([, value]) => value),
      ),
  };
}

/** A URL's origin, or undefined when it is not an http(s) URL. */
export function originOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.origin : undefined;
  } catch {
    return undefined;
  }
}
