/**
 * Text that came from a page, a task, a spec or a remote party made safe for a terminal. The one list
 * of what is unsafe: C0 controls (escape sequences start with ESC, a carriage return rewrites a line),
 * DEL, C1 controls (U+009B is a CSI on its own), and the bidi marks, embeddings, overrides and isolates
 * that reorder what is shown. Workflow-safe.
 */
const UNSAFE =
  '\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069';
const CONTROL = new RegExp(`[\\t\\n${UNSAFE}]`, 'g');
const TERMINAL = new RegExp(`[${UNSAFE}]`, 'g');

/** One field of a line (a title, a URL, a message): every control character, line breaks too, as a space. */
export function printable(text: string, maxLength = 500): string {
  return text.replace(CONTROL, ' ').slice(0, maxLength);
}

/**
 * What the CLI writes, line by line: each unsafe character shown as its `\uXXXX` escape, so nothing
 * reaches the terminal as a control and nothing is silently lost. Line breaks and tabs stay. JSON
 * output keeps its meaning: those characters only occur inside strings, where the escape is the same.
 */
export function terminalText(text: string): string {
  return text.replace(TERMINAL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
