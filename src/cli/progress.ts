/**
 * Progress of many jobs: on a terminal one line redrawn in place (a bar and the counts), elsewhere (CI
 * logs, pipes) plain lines, at most one every few seconds and always the last.
 */
const BAR_WIDTH = 24;
const PLAIN_INTERVAL_MS = 2000;

/** `[██████░░░░] 600/1000 …`: `done` of `total`, then the parts. */
export function progressLine(done: number, total: number, parts: Record<string, number>): string {
  const filled = total === 0 ? BAR_WIDTH : Math.round((done / total) * BAR_WIDTH);
  const bar = '█'.repeat(filled) + '░'.repeat(BAR_WIDTH - filled);
  const counts = Object.entries(parts)
    .map(([name, n]) => `${name} ${n}`)
    .join(' · ');
  return `[${bar}] ${done}/${total} ${counts}`;
}

export interface ProgressDisplay {
  /** Shows the line (redrawn on a terminal; printed now and then otherwise). */
  update(line: string): void;
  /** Prints a line above the progress line. */
  print(line: string): void;
  /** Leaves the last progress line on screen and ends the display. */
  done(): void;
}

export interface ProgressOptions {
  tty: boolean;
  /** Raw output (the terminal): only used when `tty`. */
  write: (text: string) => void;
  /** Line output. */
  out: (line: string) => void;
  now?: () => number;
}

export function createProgressDisplay(options: ProgressOptions): ProgressDisplay {
  const now = options.now ?? Date.now;
  let current = '';
  let printed = '';
  let printedAt = -Infinity;
  const clear = () => options.write('\r\x1b[2K');
  return {
    update(line) {
      current = line;
      if (options.tty) {
        clear();
        options.write(line);
      } else if (line !== printed && now() - printedAt >= PLAIN_INTERVAL_MS) {
        options.out(line);
        printed = line;
        printedAt = now();
      }
    },
    print(line) {
      if (options.tty) {
        clear();
        options.out(line);
        options.write(current);
      } else {
        options.out(line);
      }
    },
    done() {
      if (options.tty) {
        clear();
        options.out(current);
      } else if (current && current !== printed) {
        options.out(current);
        printed = current;
      }
    },
  };
}
