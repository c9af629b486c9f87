import type { TestContext } from 'node:test';

/**
 * Whether this process may mount (root). Without root the part that needs it cannot run: skipped on a
 * developer's machine, saying why, but a failure under CI=true, where a skip would pass unseen.
 */
export function canMount(t: TestContext, what: string): boolean {
  if (process.getuid?.() === 0) return true;
  if (process.env.CI === 'true') throw new Error(`${what} needs root to mount a tmpfs, and CI must run it`);
  t.diagnostic(`${what} needs root to mount a tmpfs: not run`);
  return false;
}
