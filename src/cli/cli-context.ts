import type { Client } from '@temporalio/client';
import type { ClientConfig } from '../config';
import type { TaskRegistry } from '../tasks';

/** How a command reaches Temporal and the user. */
export interface CliIo {
  /** Lines for the user (stdout). */
  out: (line: string) => void;
  /** Problems and refusals (stderr). */
  err: (line: string) => void;
  /** Raw output to stderr, for progress redrawn in place. */
  write: (text: string) => void;
  /** Whether stderr, where progress goes, is a terminal (a progress bar) or not (plain lines). */
  tty: boolean;
  /** The tasks this installation knows: specs naming another task, or bad input for one, are refused. */
  tasks: TaskRegistry;
  /** Where the settings come from (the process environment; tests run commands with their own). */
  env: NodeJS.ProcessEnv;
}

export interface CliContext extends CliIo {
  client: Client;
  config: ClientConfig;
}
