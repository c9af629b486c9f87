/** Markdown tables and number formats for the terminal report (pasted as they are into docs). */

export function table(header: string[], rows: (string | number)[][]): string[] {
  const line = (cells: (string | number)[]) => `| ${cells.map(String).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)];
}

export const ms = (v: number) => `${v.toFixed(0)} ms`;
export const signedMs = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(0)} ms`;
export const ratio = (v: number) => v.toFixed(2);
export const rate = (v: number) => v.toFixed(1);
export const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
export const range = (low: number, high: number, format: (v: number) => string) =>
  `${format(low)} … ${format(high)}`;
