import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { ChromiumRecord } from './chromium-process';

/**
 * One file per running profile, `<dataDir>/running/<profile id>.json`, so a launcher that was killed
 * (with the worker it lived in) finds its browsers again on restart. The data dir is per worker
 * (`MLX_DATA_DIR/launcher/<worker id>`), so two workers on one machine never read each other's.
 */
const RecordSchema = z.strictObject({
  profile_id: z.string().min(1),
  folder_id: z.string().min(1),
  pid: z.number().int().positive(),
  port: z.number().int().min(1).max(65535),
  user_data_dir: z.string().min(1),
  browser_version: z.string(),
  web_socket_debugger_url: z.string(),
  started_at: z.number(),
});

export type RunningRecord = z.output<typeof RecordSchema>;

export interface RunningRecords {
  write(record: RunningRecord): Promise<void>;
  remove(profileId: string): Promise<void>;
  /** Every record that parses; a file that does not is removed (it can point at no browser we know). */
  readAll(): Promise<RunningRecord[]>;
}

export function runningRecords(dataDir: string): RunningRecords {
  const dir = join(dataDir, 'running');
  const file = (profileId: string) => join(dir, `${profileId}.json`);
  return {
    async write(record) {
      await mkdir(dir, { recursive: true });
      // Written whole or not at all: a crash in the middle leaves the temporary file, never half a record.
      const tmp = `${file(record.profile_id)}.tmp`;
      await writeFile(tmp, JSON.stringify(record));
      await rename(tmp, file(record.profile_id));
    },
    async remove(profileId) {
      await rm(file(profileId), { force: true });
    },
    async readAll() {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw err;
      }
      const records: RunningRecord[] = [];
      for (const name of names) {
        const path = join(dir, name);
        const parsed = name.endsWith('.json')
          ? RecordSchema.safeParse(await readFile(path, 'utf8').then(safeJson))
          : undefined;
        if (parsed?.success) records.push(parsed.data);
        else await rm(path, { force: true });
      }
      return records;
    },
  };
}

export function toChromiumRecord(record: RunningRecord): ChromiumRecord {
  return {
    pid: record.pid,
    port: record.port,
    userDataDir: record.user_data_dir,
    browserVersion: record.browser_version,
    webSocketDebuggerUrl: record.web_socket_debugger_url,
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
