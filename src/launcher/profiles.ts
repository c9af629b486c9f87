/**
 * The local launcher's profiles: one Chromium per running profile, through starting → running →
 * stopping. A stop waits for a start in progress; a start waits for a stop in progress. Browsers an
 * earlier, killed launcher left running on the same data dir are adopted at creation.
 */
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { z } from 'zod';
import type { profileStateSchema } from '../mlx';
import type { Logger } from '../telemetry';
import { adoptChromium, launchChromium, type ChromiumProcess } from './chromium-process';
import { runningRecords, toChromiumRecord } from './running-records';

// The local launcher stands in for Mimic, MLX's Chromium-based browser, the one Playwright can drive.
export const BROWSER_TYPE = 'mimic';

export type ProfileState = z.input<typeof profileStateSchema>;

export interface RunningProfile {
  profileId: string;
  pid: number;
  port: number;
}

export type StartResult =
  | { started: true; port: number; coreVersion?: number }
  | {
      started: false;
      reason:
        'PROFILE_ALREADY_RUNNING' | 'PROFILE_NOT_IN_FOLDER' | 'LAUNCHER_CLOSING' | 'BROWSER_START_FAILED';
      message: string;
    };

export interface Profiles {
  start(profileId: string, folderId: string, headless: boolean): Promise<StartResult>;
  /** Resolves false when the profile was not running. A start in progress is waited for, then stopped. */
  stop(profileId: string): Promise<boolean>;
  /** Undefined when the profile is not running. */
  state(profileId: string): ProfileState | undefined;
  states(): Record<string, ProfileState>;
  running(): RunningProfile[];
  /** Refuses new starts and stops every browser. */
  closeAll(): Promise<void>;
}

type Entry =
  | { phase: 'starting'; folderId: string; startedAt: number; settled: Promise<unknown> }
  | { phase: 'running'; folderId: string; browser: ChromiumProcess; startedAt: number }
  | {
      phase: 'stopping';
      folderId: string;
      browser: ChromiumProcess;
      startedAt: number;
      settled: Promise<unknown>;
    };

const STATUS_OF_PHASE = {
  starting: 'start_browser',
  running: 'browser_running',
  stopping: 'stop_browser',
} as const;

export interface ProfilesOptions {
  chromiumPath: string;
  /**
   * Profiles keep their user-data dir under `<dataDir>/profiles/<id>` and the folder they belong to in
   * `<dataDir>/profile-folders/<id>`; `<dataDir>/running/` remembers browsers.
   */
  dataDir: string;
  log: Logger;
}

export async function createProfiles({ chromiumPath, dataDir, log }: ProfilesOptions): Promise<Profiles> {
  const profilesDir = join(resolve(dataDir), 'profiles');
  const folders = profileFolders(join(resolve(dataDir), 'profile-folders'));
  const entries = new Map<string, Entry>();
  const records = runningRecords(resolve(dataDir));
  let closing = false;

  const forget = (profileId: string): Promise<void> =>
    records.remove(profileId).catch((err: unknown) => {
      log.error('could not remove the running record', { profile_id: profileId, err });
    });

  /** A browser is running: serve it, and forget it if it exits by itself. */
  function track(profileId: string, folderId: string, browser: ChromiumProcess, startedAt: number): void {
    const running: Entry = { phase: 'running', folderId, browser, startedAt };
    entries.set(profileId, running);
    void browser.exited.then(async (exit) => {
      if (entries.get(profileId) !== running) return;
      entries.delete(profileId);
      await forget(profileId);
      log.warn('browser exited by itself', { profile_id: profileId, pid: browser.pid, ...exit });
    });
  }

  // Browsers an earlier launcher on this data dir started and could not stop (its process was killed).
  for (const record of await records.readAll()) {
    const browser = await adoptChromium(
      toChromiumRecord(record),
      log.child({ profile_id: record.profile_id }),
    );
    if (!browser) {
      await forget(record.profile_id);
      continue;
    }
    track(record.profile_id, record.folder_id, browser, record.started_at);
    log.warn('found a browser left running by an earlier launcher', {
      profile_id: record.profile_id,
      pid: browser.pid,
    });
  }

  async function start(profileId: string, folderId: string, headless: boolean): Promise<StartResult> {
    for (let entry = entries.get(profileId); entry; entry = entries.get(profileId)) {
      if (entry.phase !== 'stopping') {
        return { started: false, reason: 'PROFILE_ALREADY_RUNNING', message: 'browser process is running' };
      }
      await entry.settled;
    }
    if (closing) {
      return { started: false, reason: 'LAUNCHER_CLOSING', message: 'the local launcher is shutting down' };
    }

    // Claimed before anything is awaited, so a second start of this profile finds it and is refused;
    // settled once the entry is running or gone, so a stop that waited sees the outcome.
    let settle = () => {};
    const starting: Entry = {
      phase: 'starting',
      folderId,
      startedAt: Date.now(),
      settled: new Promise<void>((resolve) => (settle = resolve)),
    };
    entries.set(profileId, starting);
    try {
      return await launch(profileId, folderId, headless);
    } finally {
      if (entries.get(profileId) === starting) entries.delete(profileId);
      settle();
    }
  }

  async function launch(profileId: string, folderId: string, headless: boolean): Promise<StartResult> {
    const userDataDir = join(profilesDir, profileId);
    const existed = await stat(userDataDir).then(
      () => true,
      () => false,
    );
    // A profile belongs to one folder, as in MLX: its first start binds it, and a start naming another
    // folder is refused, so naming one's own folder never opens another client's profile (its cookies).
    const bound = await folders.bind(profileId, folderId);
    if (bound.folderId !== folderId) {
      log.warn('start refused: the profile is in another folder', {
        profile_id: profileId,
        folder_id: folderId,
      });
      return {
        started: false,
        reason: 'PROFILE_NOT_IN_FOLDER',
        message: `profile ${profileId} is not in folder ${folderId}`,
      };
    }
    if (bound.created && existed) {
      log.warn('bound a profile directory that had no folder to the folder of its first start', {
        profile_id: profileId,
        folder_id: folderId,
      });
    }
    let browser: ChromiumProcess;
    try {
      browser = await launchChromium({
        chromiumPath,
        userDataDir,
        headless,
        log: log.child({ profile_id: profileId }),
      });
    } catch (err) {
      // A profile that never ran leaves nothing behind; one that did keeps its cookies.
      if (!existed) {
        await rm(userDataDir, { recursive: true, force: true }).catch(() => undefined);
        if (bound.created) await folders.unbind(profileId);
      }
      log.error('browser start failed', { profile_id: profileId, err });
      const message = err instanceof Error ? err.message : String(err);
      return { started: false, reason: 'BROWSER_START_FAILED', message };
    }
    const startedAt = Date.now();
    await records
      .write({
        profile_id: profileId,
        folder_id: folderId,
        pid: browser.pid,
        port: browser.port,
        user_data_dir: browser.userDataDir,
        browser_version: browser.browserVersion,
        web_socket_debugger_url: browser.webSocketDebuggerUrl,
        started_at: startedAt,
      })
      .catch((err: unknown) =>
        log.error('could not write the running record', { profile_id: profileId, err }),
      );
    track(profileId, folderId, browser, startedAt);
    log.info('profile started', {
      profile_id: profileId,
      folder_id: folderId,
      pid: browser.pid,
      port: browser.port,
    });
    return { started: true, port: browser.port, coreVersion: coreVersion(browser) };
  }

  async function stop(profileId: string): Promise<boolean> {
    for (let entry = entries.get(profileId); entry; entry = entries.get(profileId)) {
      if (entry.phase === 'starting') {
        await entry.settled;
        continue;
      }
      if (entry.phase === 'stopping') {
        await entry.settled;
        return true;
      }
      const { browser } = entry;
      const settled = browser.stop().then(() => forget(profileId));
      const stopping: Entry = { ...entry, phase: 'stopping', settled };
      entries.set(profileId, stopping);
      try {
        await stopping.settled;
      } finally {
        if (entries.get(profileId) === stopping) entries.delete(profileId);
      }
      log.info('profile stopped', { profile_id: profileId, pid: browser.pid });
      return true;
    }
    return false;
  }

  function stateOf(profileId: string, entry: Entry): ProfileState {
    const browser = entry.phase === 'starting' ? undefined : entry.browser;
    return {
      profile_id: profileId,
      status: STATUS_OF_PHASE[entry.phase],
      folder_id: entry.folderId,
      browser_type: BROWSER_TYPE,
      ...(browser && { core_version: coreVersion(browser), port: String(browser.port) }),
      is_quick: false,
      message: '',
      timestamp: entry.startedAt,
    };
  }

  return {
    start,
    stop,
    state(profileId) {
      const entry = entries.get(profileId);
      return entry && stateOf(profileId, entry);
    },
    states: () => Object.fromEntries([...entries].map(([id, entry]) => [id, stateOf(id, entry)])),
    running: () =>
      [...entries].flatMap(([profileId, entry]) =>
        entry.phase === 'running' ? [{ profileId, pid: entry.browser.pid, port: entry.browser.port }] : [],
      ),
    async closeAll() {
      closing = true;
      await Promise.all([...entries.keys()].map(stop));
    },
  };
}

function coreVersion(browser: ChromiumProcess): number | undefined {
  const major = /\/(\d+)\./.exec(browser.browserVersion)?.[1];
  return major === undefined ? undefined : Number(major);
}

/**
 * Which folder each profile belongs to: one small file per profile holding its folder id, created with
 * O_EXCL, so two starts racing to bind a profile agree on one folder.
 */
function profileFolders(dir: string) {
  const file = (profileId: string) => join(dir, profileId);
  return {
    /** The profile's folder: the one it was bound to, or `folderId` now (created: true). */
    async bind(profileId: string, folderId: string): Promise<{ folderId: string; created: boolean }> {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      try {
        await writeFile(file(profileId), folderId, { flag: 'wx', mode: 0o600 });
        return { folderId, created: true };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        return { folderId: (await readFile(file(profileId), 'utf8')).trim(), created: false };
      }
    },
    async unbind(profileId: string): Promise<void> {
      await rm(file(profileId), { force: true }).catch(() => undefined);
    },
  };
}
