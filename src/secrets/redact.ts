/**
 * Keeping secrets out of text: one redactor that knows every secret value the process holds (task
 * credentials, MLX tokens and password, webhook secrets, the Temporal API key, payload keys), in the
 * forms they take in text: as is, JSON-escaped, URL-encoded and form-encoded; and URL user info.
 */

/** Replaces every known secret in a text; the list is read at each call, so new tokens are covered. */
export type Redactor = (text: string) => string;

const MIN_SECRET_LENGTH = 4;
const MASK = '[redacted]';

/** The spellings of one secret that can appear in a message, a log line or a URL. */
function spellings(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const url = encodeURIComponent(secret);
  const form = url.replace(/%20/g, '+');
  return [...new Set([secret, json, url, form, JSON.stringify(json).slice(1, -1)])];
}

export function createRedactor(secrets: () => readonly string[]): Redactor {
  return (text) => {
    let out = text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s?#@]*@/gi, `$1${MASK}@`);
    const all = secrets()
      .filter((s) => s.length >= MIN_SECRET_LENGTH)
      .flatMap(spellings);
    // Longest first, so a secret that contains another is replaced whole.
    for (const secret of all.sort((a, b) => b.length - a.length)) out = out.split(secret).join(MASK);
    return out;
  };
}

/** Every secret source of a process, registered once each; `redact` covers them all. */
export function createSecretRegistry(): {
  add: (source: () => readonly string[]) => void;
  redact: Redactor;
} {
  const sources: (() => readonly string[])[] = [];
  return {
    add: (source) => void sources.push(source),
    redact: createRedactor(() => sources.flatMap((source) => source())),
  };
}

/** Origin and path only: query strings and fragments may carry tokens (webhook keys, session ids). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid url)';
  }
}

/**
 * A callback URL as anything but its delivery may show it: scheme and host. Receivers put their
 * credential in the path or the query (`/services/T/B/<token>`, `?key=`), so neither is kept.
 */
export function redactCallbackUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return '(invalid url)';
  }
}
