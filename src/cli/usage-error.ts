import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * A mistake in how the CLI was called: printed as one line, with the command's usage when `help` (the
 * command's help text) is given, exit code 2.
 */
export class UsageError extends Error {
  readonly usage?: string;
  constructor(message: string, help?: string) {
    super(message);
    this.usage = help && usageLine(help);
  }
}

/** `mlx-jobs status JOB_ID [--json]`: the first line of a help text, without its `Usage: `. */
export function usageLine(help: string): string {
  return (help.split('\n')[0] ?? '').replace(/^Usage:\s*/, '');
}

/**
 * parseArgs, with an unknown option, a missing value or a stray argument refused as a UsageError
 * carrying the usage line of `help`, instead of node's TypeError and its stack.
 */
export function parseCommandArgs<T extends ParseArgsConfig>(
  config: T,
  help: string,
): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (!code.startsWith('ERR_PARSE_ARGS_')) throw err;
    // Node's message: "Unknown option '--x'. To specify a positional argument …": the first sentence.
    const first = (err as Error).message.split(/\.\s/)[0]!.replace(/\.$/, '');
    throw new UsageError(first.charAt(0).toLowerCase() + first.slice(1), help);
  }
}
