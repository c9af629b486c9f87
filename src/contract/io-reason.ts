/**
 * Why a write or read of a file or store failed, in an operator's words: the common errno codes spelled
 * out, others by their code, anything else by its message. Free of Node APIs (workflow code may import
 * the contract).
 */
export function ioReason(err: unknown): string {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  if (code === 'ENOSPC') return 'the disk is full';
  if (code === 'EROFS') return 'read-only file system';
  if (typeof code === 'string') return code;
  return err instanceof Error ? err.message : String(err);
}
