/**
 * The last step before anything this process emits (log lines, span status, attributes and exception
 * events) leaves it: the worker installs its secret redactor here at start (src/secrets/redact.ts).
 */
let filter: (text: string) => string = (text) => text;

export function setOutputFilter(next: (text: string) => string): void {
  filter = next;
}

export function filterOutput(text: string): string {
  return filter(text);
}
