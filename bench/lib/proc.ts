import { readdirSync, readFileSync } from 'node:fs';
import { processesWith } from '../../test/helpers/processes';

/** A `Name:   N kB` line of a /proc/<pid> file, in bytes (0 once the process is gone). */
function procKb(pid: number, file: string, name: string): number {
  try {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(
      readFileSync(`/proc/${pid}/${file}`, 'utf8'),
    );
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Resident set size of a process, from /proc/<pid>/status. */
export const rssBytes = (pid: number) => procKb(pid, 'status', 'VmRSS');

/** Proportional set size (shared pages split between their sharers), from smaps_rollup. */
export const pssBytes = (pid: number) => procKb(pid, 'smaps_rollup', 'Pss');

/** Parent of every live process, from /proc/<pid>/stat. */
function parents(): Map<number, number> {
  const map = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …: comm may hold spaces, so read after its closing parenthesis.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      map.set(Number(entry), ppid);
    } catch {
      // the process ended while we looked
    }
  }
  return map;
}

/**
 * Chromium processes of profiles under `dataDir`: each browser (its command line names its user-data
 * dir there) with every process below it (zygotes, renderers, GPU and utility processes), the sum of
 * their RSS (shared pages are counted once per process, so this overstates the memory they take) and
 * of their PSS (each shared page split between its sharers: closer to what they take together).
 */
export function chromiumUnder(dataDir: string): { count: number; rssBytes: number; pssBytes: number } {
  const found = new Set(
    processesWith(dataDir)
      .filter((p) => /chrom/i.test(p.args[0] ?? ''))
      .map((p) => p.pid),
  );
  const tree = parents();
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, ppid] of tree) {
      if (!found.has(pid) && found.has(ppid)) {
        found.add(pid);
        grew = true;
      }
    }
  }
  const pids = [...found];
  return {
    count: pids.length,
    rssBytes: pids.reduce((sum, pid) => sum + rssBytes(pid), 0),
    pssBytes: pids.reduce((sum, pid) => sum + pssBytes(pid), 0),
  };
}

/** Samples a reading every `everyMs` while work runs and keeps the peak. */
export function peakSampler(read: () => number, everyMs = 200): { stop(): number } {
  let peak = read();
  const timer = setInterval(() => (peak = Math.max(peak, read())), everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, read());
    },
  };
}

/** CPU time (user + system) a process has used so far, in ms, from /proc/<pid>/stat (0 once it is gone). */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat, in clock ticks of 10 ms on Linux.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** CPU time (user + nice + system) every core of the machine has used so far, in ms, from /proc/stat. */
export function machineCpuMs(): number {
  const [user, nice, system] = readFileSync('/proc/stat', 'utf8')
    .split('\n', 1)[0]!
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0)) * 10;
}

/** Starts counting CPU time by name; the function returned gives each reading's growth since then, in ms. */
export function cpuSince<K extends string>(readers: Record<K, () => number>): () => Record<K, number> {
  const entries = Object.entries(readers) as [K, () => number][];
  const before = entries.map(([, read]) => read());
  return () =>
    Object.fromEntries(entries.map(([name, read], i) => [name, read() - before[i]!])) as Record<K, number>;
}
