import { basename } from 'node:path';

/** The running test file's name without `.test.ts` (`job-e2e`), for names of its own on shared servers. */
export function testFileStem(): string {
  return basename(process.argv[1] ?? 'test')
    .replace(/\.test\.[cm]?[jt]s$/, '')
    .replace(/[^a-zA-Z0-9-]/g, '-');
}
