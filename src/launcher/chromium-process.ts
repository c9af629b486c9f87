import { spawn } from 'node:child_process';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { waitForCdp } from '../cdp';
import { failure } from '../contract';
import { silentLogger, type Logger } from '../telemetry';
import { isLive, orderlyStop, settlesWithin } from './process-group';

export interface LaunchChromiumOptions {
  chromiumPath: string;
  userDataDir: string;
  headless: boolean;
  /** From spawn until the browser answers on CDP. */
  startTimeoutMs?: number;
  log?: Logger;
}

export interface ChromiumExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ChromiumProcess {
  readonly pid: number;
  readonly port: number;
  readonly userDataDir: string;
  readonly browserVersion: string;
  readonly webSocketDebuggerUrl: string;
  /** Resolves (never rejects) when the browser's main process exits, whatever the reason. */
  readonly exited: Promise<ChromiumExit>;
  /** Asks the browser to exit, SIGKILLs its process group after a grace period; resolves once the group is gone. */
  stop(): Promise<void>;
}

const POLL_MS = 25;
const STDERR_TAIL_CHARS = 2_000;

/** Flags for any Chromium this project starts on a machine with a closed network (also used by tests). */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Otherwise chrome_crashpad_handler starts in its own process group, outside the one we stop.
  '--disable-crashpad-for-testing',
  // Without crashpad, Debian's Chromium 156 kills its out-of-process network service with an "FD ownership
  // violation" on every load (pages fail with ERR_ABORTED); running it in the browser process avoids that.
  '--enable-features=NetworkServiceInProcess2',
  // Chromium preloads browser-UI pages (the omnibox popup) into a renderer of their own, even headless,
  // where nobody sees them: a fifth to a third of a start's CPU time on this machine. Headed, the popup
  // is drawn natively instead.
  '--disable-features=PreloadTopChromeWebUI,WebUIOmniboxPopup,WebUIOmniboxAimPopup,WebUIOmniboxFullPopup',
  '--no-default-browser-check',
];

/** The setting that turns Chromium's sandbox off; nothing else ever does. */
export const NO_SANDBOX_SETTING = 'MLX_CHROMIUM_NO_SANDBOX';

/**
 * Chromium's flags for its sandbox: none (the sandbox stays on) unless the operator set
 * MLX_CHROMIUM_NO_SANDBOX=true. Running as root is no reason by itself: there the sandbox cannot start,
 * and launches fail naming the setting (noSandboxRefusal) instead of dropping it silently.
 */
export function sandboxFlags(env: NodeJS.ProcessEnv = process.env): readonly string[] {
  return env[NO_SANDBOX_SETTING] === 'true' ? ['--no-sandbox'] : [];
}

/** Why a launch cannot work: root without the setting (Chromium would exit at once); else undefined. */
export function noSandboxRefusal(
  env: NodeJS.ProcessEnv = process.env,
  uid: number | undefined = process.getuid?.(),
): string | undefined {
  if (uid !== 0 || sandboxFlags(env).length) return undefined;
  return `Chromium's sandbox cannot start as root: run the worker as an unprivileged user, or set ${NO_SANDBOX_SETTING}=true to run Chromium without it`;
}

/**
 * What the browser may see of the worker's environment: enough to find its libraries, fonts and
 * display, nothing else. The worker's own variables hold MLX tokens, task secrets, webhook secrets and
 * the Temporal API key, and the browser loads pages a job chose.
 */
const BROWSER_ENV_KEYS = [
  'PATH',
  'HOME',
  'LANG',
  'LANGUAGE',
  'LC_ALL',
  'TZ',
  'DISPLAY',
  'WAYLAND_DISPLAY',
  'XDG_RUNTIME_DIR',
  'FONTCONFIG_PATH',
];

export function browserEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return Object.fromEntries(
    BROWSER_ENV_KEYS.flatMap((key) => (env[key] === undefined ? [] : [[key, env[key]]])),
  );
}

function chromiumArgs(userDataDir: string, headless: boolean): string[] {
  return [
    ...(headless ? ['--headless'] : []),
    ...CHROMIUM_FLAGS,
    ...sandboxFlags(),
    '--remote-debugging-address=127.0.0.1',
    '--remote-debugging-port=0',
    `--user-data-dir=${userDataDir}`,
    'about:blank',
  ];
}

/** Spawns one Chromium in its own process group and resolves once it answers on CDP. */
export async function launchChromium(options: LaunchChromiumOptions): Promise<ChromiumProcess> {
  const { chromiumPath, userDataDir, headless, startTimeoutMs = 15_000, log = silentLogger } = options;
  const deadline = Date.now() + startTimeoutMs;
  const refusal = noSandboxRefusal();
  if (refusal) throw failure('CdpUnreachable', refusal, { nonRetryable: true });
  await mkdir(userDataDir, { recursive: true });
  // Chromium rewrites this file on start; a leftover would point at a dead port.
  const portFile = join(userDataDir, 'DevToolsActivePort');
  await rm(portFile, { force: true });

  const child = spawn(chromiumPath, chromiumArgs(userDataDir, headless), {
    env: browserEnv(),
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderrTail = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL_CHARS);
  });
  let exit: ChromiumExit | undefined;
  const exited = new Promise<ChromiumExit>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });

  try {
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
  } catch (err) {
    throw failure('CdpUnreachable', `could not start ${chromiumPath}: ${(err as Error).message}`, {
      details: { chromium_path: chromiumPath, user_data_dir: userDataDir },
    });
  }
  child.on('error', (err) => log.warn('chromium process error', { pid: child.pid, err }));
  const pid = child.pid;
  if (pid === undefined) throw failure('CdpUnreachable', `${chromiumPath} started without a pid`);
  log.debug('chromium spawned', { pid, user_data_dir: userDataDir, headless });

  const stop = orderlyStop(pid, exited, log);

  const startFailed = (why: string) =>
    failure('CdpUnreachable', `chromium for ${userDataDir} ${why}`, {
      details: {
        chromium_path: chromiumPath,
        user_data_dir: userDataDir,
        pid,
        exit_code: exit?.code ?? null,
        exit_signal: exit?.signal ?? null,
        stderr_tail: stderrTail,
      },
    });

  try {
    let port: number | undefined;
    while (port === undefined) {
      if (exit) {
        // Exit code 0 this early usually means another Chromium owns the dir and took over our request.
        throw startFailed(
          `exited (code ${exit.code}, signal ${exit.signal}) before opening its DevTools port`,
        );
      }
      if (Date.now() >= deadline)
        throw startFailed(`wrote no DevToolsActivePort within ${startTimeoutMs} ms`);
      port = await readDevToolsPort(portFile);
      if (port === undefined) await settlesWithin(exited, POLL_MS);
    }
    const endpoint = await waitForCdp(port, { timeoutMs: Math.max(1, deadline - Date.now()) });
    return {
      pid,
      port,
      userDataDir,
      browserVersion: endpoint.browserVersion,
      webSocketDebuggerUrl: endpoint.webSocketDebuggerUrl,
      exited,
      stop,
    };
  } catch (err) {
    log.warn('chromium did not come up', { pid, err, stderr_tail: stderrTail });
    await stop();
    throw err;
  }
}

/** What a launcher remembers of a browser it started, to find it again after its own restart. */
export interface ChromiumRecord {
  pid: number;
  port: number;
  userDataDir: string;
  browserVersion: string;
  webSocketDebuggerUrl: string;
}

/**
 * A browser started by an earlier process (one that was killed): a handle to stop it, or undefined when
 * that pid is gone or is no longer a Chromium on this user-data dir (the pid was reused).
 */
export async function adoptChromium(
  record: ChromiumRecord,
  log: Logger = silentLogger,
): Promise<ChromiumProcess | undefined> {
  const { pid } = record;
  let cmdline: string;
  try {
    cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return undefined;
  }
  if (!cmdline.split('\0').includes(`--user-data-dir=${record.userDataDir}`)) return undefined;
  if (!(await isLive(pid))) return undefined;
  // Not our child: no exit event, so its end is seen by polling.
  const exited = (async (): Promise<ChromiumExit> => {
    while (await isLive(pid)) await new Promise((resolve) => setTimeout(resolve, 100));
    return { code: null, signal: null };
  })();
  return { ...record, exited, stop: orderlyStop(pid, exited, log) };
}

/** The first line of DevToolsActivePort, once Chromium has written it in full. */
async function readDevToolsPort(file: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const match = /^(\d+)\r?\n/.exec(text);
  return match ? Number(match[1]) : undefined;
}
