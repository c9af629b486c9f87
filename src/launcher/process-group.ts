/**
 * A browser's process group, seen from outside: whether a process still lives, whether anything of the
 * group is left, and the orderly stop (SIGINT, a grace period, SIGKILL to the group) that waits for it.
 */
import { readdir, readFile } from 'node:fs/promises';
import type { Logger } from '../telemetry';

const STOP_GRACE_MS = 5_000;
const GROUP_DRAIN_MS = 2_000;
const POLL_MS = 25;

/** SIGINT, the grace period, then SIGKILL to the whole group; resolves once the group is gone. Once. */
export function orderlyStop(pid: number, exited: Promise<unknown>, log: Logger): () => Promise<void> {
  const signal = (target: number, name: NodeJS.Signals): void => {
    try {
      process.kill(target, name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  };
  let stopping: Promise<void> | undefined;
  return () =>
    (stopping ??= (async () => {
      // SIGINT, to the browser alone, is Chromium's orderly exit: it closes its own children and writes the
      // profile (cookies) to disk. SIGTERM takes a faster path that loses cookies set in the last ~30 s.
      signal(pid, 'SIGINT');
      if (!(await settlesWithin(exited, STOP_GRACE_MS))) {
        log.warn('chromium did not exit on SIGINT; killing its process group', { pid });
      }
      // After an orderly exit this only reaches stragglers; otherwise it is the whole tree.
      signal(-pid, 'SIGKILL');
      if (!(await settlesWithin(exited, STOP_GRACE_MS))) log.error('chromium survived SIGKILL', { pid });
      if (!(await pollUntil(() => groupGone(pid), GROUP_DRAIN_MS))) {
        log.error('processes of the chromium group are still alive', { pid });
      }
    })());
}

/** The process exists and is not a zombie. */
export async function isLive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/**
 * True when no live process is left in the group. Zombies do not count: the browser's children are
 * reparented to init when it exits, and an init that reaps slowly keeps them listed for seconds.
 */
async function groupGone(pgid: number): Promise<boolean> {
  let names: string[];
  try {
    names = await readdir('/proc');
  } catch {
    return !signalReaches(-pgid);
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = await readFile(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    // The command name may hold spaces and parentheses, so fields are counted from the last ')'.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') return false;
  }
  return true;
}

function signalReaches(target: number): boolean {
  try {
    process.kill(target, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function pollUntil(done: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return true;
}
