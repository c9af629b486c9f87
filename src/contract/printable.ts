/**
 * Text that came from a page or a remote party (titles, URLs, receiver messages) made safe to print:
 * control characters (terminal escape sequences, carriage returns, bidi overrides) become spaces.
 * Workflow-safe.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function printable(text: string, maxLength = 500): string {
  return text.replace(CONTROL, ' ').slice(0, maxLength);
}
