/** What the CLI prints and exits with when a command fails, and the filter of every line it prints. */
import { inspect } from 'node:util';
import { ScheduleNotFoundError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ValueError } from '@temporalio/common';
import { TemporalUnreachableError } from '../client-library';
import { ConfigError } from '../config';
import { errorTypeOf, jobIdOfWorkflow, terminalText } from '../contract';
import { ENCRYPTED_ENCODING } from '../payload-codec';
import { filterOutput } from '../telemetry';
import { UsageError } from './usage-error';

/** The exit codes, as `mlx-jobs help` documents them. */
const EXIT = { ok: 0, failed: 1, usage: 2, conflict: 3, notFound: 4, unreachable: 5 } as const;

/**
 * What the process prints on stderr (`mlx-jobs: …` for an error a user can act on; the whole error too
 * for any other) and exits with, for a command that threw `err`.
 */
export function cliFailure(err: unknown): { code: number; stderr: string[] } {
  const known = describeCliError(err);
  const lines = [`mlx-jobs: ${known?.message ?? String(err)}`, ...(known ? [] : [inspect(err)])];
  return { code: known?.code ?? EXIT.failed, stderr: lines.map(cliText) };
}

/**
 * The SDK's refusal of a payload the workers encrypted, read by a client without a codec: its converter
 * knows no such encoding (a ValueError, alone or as the cause of a failed call).
 */
function isEncryptedWithoutKeys(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e instanceof ValueError && e.message.includes(ENCRYPTED_ENCODING)) return true;
  }
  return false;
}

/** The one filter of every line the CLI prints: no secret of its settings, no control character. */
export function cliText(line: string): string {
  return terminalText(filterOutput(line));
}

/** One line for errors a user can act on (bad spec, bad setting, bad arguments, nothing there). */
function describeCliError(err: unknown): { message: string; code: number } | undefined {
  if (err instanceof UsageError) {
    return { message: err.usage ? `${err.message}; usage: ${err.usage}` : err.message, code: EXIT.usage };
  }
  if (err instanceof TemporalUnreachableError) return { message: err.message, code: EXIT.unreachable };
  if (errorTypeOf(err) === 'JobSpecInvalid') return { message: (err as Error).message, code: EXIT.usage };
  if (errorTypeOf(err) === 'JobConflict') return { message: (err as Error).message, code: EXIT.conflict };
  if (err instanceof ConfigError) return { message: err.message, code: EXIT.usage };
  if (err instanceof WorkflowNotFoundError) {
    const job = jobIdOfWorkflow(err.workflowId);
    return { message: `no such job: ${job} (no workflow ${err.workflowId})`, code: EXIT.notFound };
  }
  if (err instanceof ScheduleNotFoundError)
    return { message: `no such schedule: ${err.scheduleId}`, code: EXIT.notFound };
  if (err instanceof WorkflowUpdateFailedError) {
    // The workflow refused an operator's request: the job is unchanged.
    const refused = errorTypeOf(err.cause);
    const code = refused === 'DeadLetterRequestInvalid' || refused === 'JobSpecInvalid' ? 2 : 1;
    return { message: `refused: ${err.cause?.message ?? err.message}`, code };
  }
  if (errorTypeOf(err) === 'DeadLetterRequestInvalid') return { message: (err as Error).message, code: 2 };
  if (errorTypeOf(err) === 'AnswerRefused') return { message: `refused: ${(err as Error).message}`, code: 1 };
  if (isEncryptedWithoutKeys(err)) {
    return {
      message: `this job's data is encrypted and no key to read it is set: give this command the workers' keys (MLX_PAYLOAD_KEYS or MLX_PAYLOAD_KEYS_FILE)`,
      code: EXIT.failed,
    };
  }
  // A claim-check blob the answer refers to cannot be read: the message names the blob and the store.
  const type = errorTypeOf(err);
  if (type === 'PayloadMissing' || type === 'PayloadStoreUnavailable')
    return { message: (err as Error).message, code: 1 };
  return undefined;
}
