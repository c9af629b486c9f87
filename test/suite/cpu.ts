/**
 * CPU time from Linux's /proc, for the suite's closing lines: a run's cost on a two-core machine is its
 * CPU time as much as its wall time (two cores give at most 960 CPU-seconds in eight minutes). Elsewhere,
 * or when /proc cannot be read, undefined.
 */
import { readFileSync } from 'node:fs';

/** /proc reports times in clock ticks, which Linux fixes at 100 per second for user space (USER_HZ). */
const TICKS_PER_SECOND = 100;

/** Fields 14–17 of /proc/<pid>/stat: utime, stime, cutime, cstime, after the command in parentheses. */
function times(pid: number): number[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state), so field n is fields[n - 3]
    return [11, 12, 13, 14].map((index) => Number(fields[index]) / TICKS_PER_SECOND);
  } catch {
    return undefined;
  }
}

/** CPU-seconds a live process has used, its reaped children included. */
export function processCpuSeconds(pid: number): number | undefined {
  const t = times(pid);
  return t && t.reduce((sum, value) => sum + value, 0);
}

/** CPU-seconds this process and every child it has waited for have used. */
export const ownCpuSeconds = (): number | undefined => processCpuSeconds(process.pid);
