import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileNamePart } from '../activities/evidence';
import type { ClientConfig } from '../config';
import type { JobFailureInfo } from '../contract';
import { createPayloadHandling, fetchFile } from '../payload-codec';

/**
 * `dlq show JOB_ID --evidence DIR`: the failed attempt's files (the screenshot), fetched from the
 * claim-check store where the worker kept them and opened with this process's payload keys, written
 * readable by this user only (0600, DIR created 0700): they show buyers' data. Returns the paths.
 */
export async function saveEvidence(
  config: ClientConfig,
  jobId: string,
  failure: JobFailureInfo | undefined,
  dir: string,
): Promise<string[]> {
  const stored = failure?.evidence?.stored ?? [];
  if (stored.length === 0) {
    const local = failure?.evidence?.screenshot;
    throw new Error(
      `job ${jobId}: its failure kept no evidence in the claim-check store` +
        (local ? ` (the screenshot is only on its worker: ${local})` : ''),
    );
  }
  const payload = createPayloadHandling(config.payload);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const written: string[] = [];
    for (const file of stored) {
      const bytes = await fetchFile(payload, file);
      const path = join(dir, fileNamePart(file.name));
      // A file of that name is replaced, never written through (it may be a link elsewhere).
      await rm(path, { force: true });
      await writeFile(path, bytes, { mode: 0o600, flag: 'wx' });
      written.push(path);
    }
    return written;
  } finally {
    await payload.close();
  }
}
