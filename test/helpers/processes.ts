import { readdirSync, readFileSync } from 'node:fs';

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface ProcessInfo {
  pid: number;
  args: string[];
}

/** The pids /proc lists right now. */
function allPids(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number);
}

/** Live processes whose command line contains `needle` (e.g. a profile's user-data dir). */
export function processesWith(needle: string): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const pid of allPids()) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmdline.includes(needle)) found.push({ pid, args: cmdline.split('\0').filter(Boolean) });
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

/** Pids of live processes whose command line contains `needle`. */
export function processesMatching(needle: string): number[] {
  return processesWith(needle).map((p) => p.pid);
}

export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = 'condition',
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A process's name, state and parent from /proc/<pid>/stat; undefined once it has ended. */
function statOf(pid: number): { name: string; state: string; ppid: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // pid (comm) state ppid …: comm may hold spaces and parentheses, so read after the last ')'.
  const close = stat.lastIndexOf(')');
  const [state = '', ppid] = stat.slice(close + 2).split(' ');
  return { name: stat.slice(stat.indexOf('(') + 1, close), state, ppid: Number(ppid) };
}

/** Live (not zombie) children of `pid`, with their command names, from /proc. */
export function childrenOf(pid: number): { pid: number; name: string }[] {
  return allPids().flatMap((child) => {
    const stat = statOf(child);
    return stat && stat.ppid === pid && stat.state !== 'Z' ? [{ pid: child, name: stat.name }] : [];
  });
}

/** True once `pid` no longer runs: ended, or a zombie its new parent has not reaped yet. */
export function processEnded(pid: number): boolean {
  const state = statOf(pid)?.state;
  return state === undefined || state === 'Z';
}
