/**
 * Keeping secrets out of text: one redactor that knows every secret value the process holds (task
 * credentials, MLX tokens and password, webhook secrets, the Temporal API key, payload keys, the Redis
 * password, OTLP headers, the codec and launcher tokens), in the forms they take in text: as is,
 * JSON-escaped (once or twice), URL-encoded and form-encoded with either case of hex digits, HTML
 * entities, base64 (standard and URL-safe, at any byte offset); and URL user info.
 */

/** Replaces every known secret in a text; the list is read at each call, so new tokens are covered. */
export type Redactor = (text: string) => string;

const MIN_SECRET_LENGTH = 4;
const MASK = '[redacted]';

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A literal whose %XX escapes match either case of their hex digits. */
const percentPattern = (encoded: string) =>
  escapeRegExp(encoded).replace(/%([0-9A-F])([0-9A-F])/g, (_m, a: string, b: string) => {
    const either = (d: string) => (/[A-F]/.test(d) ? `[${d}${d.toLowerCase()}]` : d);
    return `%${either(a)}${either(b)}`;
  });

const ENTITIES: Record<string, string> = { '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' };

/** The secret as HTML text: each of & < > " ' as itself, its named entity or a numeric reference. */
const htmlPattern = (secret: string) =>
  [...secret]
    .map((c) => {
      const name = ENTITIES[c];
      if (!name) return escapeRegExp(c);
      const code = c.charCodeAt(0);
      const hex = code.toString(16).replace(/[a-f]/g, (d) => `[${d}${d.toUpperCase()}]`);
      return `(?:${escapeRegExp(c)}|&${name};|&#0*${code};|&#[xX]0*${hex};)`;
    })
    .join('');

/** The base64 characters that depend on the secret's bytes alone, at each of the three byte offsets. */
function base64Spellings(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  return [0, 1, 2].flatMap((offset) => {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const inner = encoded.slice(Math.ceil((offset * 8) / 6), Math.floor(((offset + bytes.length) * 8) / 6));
    return inner.length >= 6 ? [inner, inner.replace(/\+/g, '-').replace(/\//g, '_')] : [];
  });
}

/** Every spelling of one secret that can appear in a message, a log line, a URL or a page. */
function patterns(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const url = encodeURIComponent(secret);
  const form = new URLSearchParams({ s: secret }).toString().slice(2);
  return [...new Set([secret, json, JSON.stringify(json).slice(1, -1), ...base64Spellings(secret)])]
    .map(escapeRegExp)
    .concat(percentPattern(url), percentPattern(url.replace(/%20/g, '+')), percentPattern(form))
    .concat(htmlPattern(secret));
}

export function createRedactor(secrets: () => readonly string[]): Redactor {
  let key: string | undefined;
  let pattern: RegExp | undefined;
  return (text) => {
    let out = text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s?#@]*@/gi, `$1${MASK}@`);
    const all = [...new Set(secrets())].filter((s) => s.length >= MIN_SECRET_LENGTH);
    const current = all.join('\u0000');
    if (current !== key) {
      key = current;
      // Longest first, so a secret that contains another is replaced whole.
      const sources = [...new Set(all.flatMap(patterns))].sort((a, b) => b.length - a.length);
      pattern = sources.length ? new RegExp(sources.join('|'), 'g') : undefined;
    }
    if (pattern) out = out.replace(pattern, MASK);
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
