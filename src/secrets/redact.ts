/** Keeping secrets out of text: every known secret value, and the parts of a URL that may carry one. */

/** Replaces every known secret in a text; the list is read at each call, so new tokens are covered. */
export type Redactor = (text: string) => string;

export function createRedactor(secrets: () => readonly string[]): Redactor {
  return (text) => {
    let out = text;
    // Longest first, so a secret that contains another is replaced whole.
    for (const secret of [...secrets()].sort((a, b) => b.length - a.length)) {
      if (secret.length >= 4) out = out.split(secret).join('[redacted]');
    }
    return out;
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
