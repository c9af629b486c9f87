import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../config';
import { ioReason } from '../contract/io-reason';

/**
 * Refuses to start on a directory the worker cannot write (read-only, not a directory, a full disk):
 * profiles, the launcher's records of its browsers and failure screenshots live there, and a worker
 * that took jobs it cannot serve would fail them one by one. Creates the directory when missing.
 */
export function checkWritableDir(setting: string, dir: string): void {
  const probe = join(dir, `.mlx-write-check-${process.pid}`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(probe, 'mlx-jobs checks that it can write here\n', { flush: true });
    rmSync(probe, { force: true });
  } catch (err) {
    throw new ConfigError(`bad setting ${setting}: cannot write to ${dir} (${ioReason(err)})`);
  }
}
