import type { Client } from '@temporalio/client';
import type { ClientConfig } from '../config';

/** How a command reaches Temporal and the user. */
export interface CliIo {
  /** Lines for the user (stdout). */
  out: (line: string) => void;
  /** Problems and refusals (stderr). */
  err: (line: string) => void;
  /** Raw output to the terminal, for progress redrawn in place. */
  write: (text: string) => void;
  /** Whether `out` is a terminal (a progress bar) or not (plain lines). */
  tty: boolean;
}

export interface CliContext extends CliIo {
  client: Client;
  config: ClientConfig;
}
