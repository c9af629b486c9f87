/**
 * The last step before anything this process emits (log lines, span status, attributes and exception
 * events) leaves it: the worker installs its secret redactor here at start (src/secrets/redact.ts).
 */
import { printable } from '../contract';

let filter: (text: string) => string = (text) => text;

export function setOutputFilter(next: (text: string) => string): void {
  filter = next;
}

export function filterOutput(text: string): string {
  return filter(text);
}

/**
 * Text cut to `maxLength` for a message or an attribute, redacted first: cut first, a secret crossing
 * the cut would leave its first characters behind, which the redactor no longer recognises.
 */
export function redactedPrintable(text: string, maxLength: number): string {
  return printable(filter(text), maxLength);
}
