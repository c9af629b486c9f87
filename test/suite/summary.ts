/** One test file's run: its counts from the TAP report and how long its process took. */
export interface FileResult {
  file: string;
  ms: number;
  passed: number;
  failed: number;
  skipped: number;
  /** Why the file failed as a whole (exit code, timeout), when it did. */
  problem?: string;
}

/**
 * The counts of a TAP report's closing diagnostics (`# pass 8`, …). A file that exits non-zero without a
 * failed test (it crashed, a hook threw, it timed out) counts as one failure, so the total shows it.
 */
export function fileResult(
  file: string,
  ms: number,
  tap: string,
  exit: { code: number | null; timedOut: boolean },
): FileResult {
  const count = (name: string) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(tap)?.[1] ?? 0);
  const result: FileResult = {
    file,
    ms,
    passed: count('pass'),
    failed: count('fail') + count('cancelled'),
    skipped: count('skipped') + count('todo'),
  };
  if (exit.timedOut || exit.code !== 0) {
    result.problem = exit.timedOut ? 'timed out' : `exited ${String(exit.code)}`;
    if (result.failed === 0) result.failed = 1;
  }
  return result;
}

/** CPU-seconds of the run, where the platform can tell: its own and its children's, and the dev server's share. */
export interface RunCpu {
  total?: number;
  temporal?: number;
}

/**
 * The closing report: the ten slowest files, the failed ones, the run's wall and CPU time, and
 * `N passed, N failed, N skipped` last.
 */
export function summary(results: FileResult[], wallMs: number, cpu: RunCpu = {}): string {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const slowest = [...results].sort((a, b) => b.ms - a.ms).slice(0, 10);
  const width = Math.max(...slowest.map((r) => r.file.length));
  const lines = ['', 'slowest test files:'];
  for (const r of slowest) lines.push(`  ${r.file.padEnd(width)}  ${seconds(r.ms).padStart(8)}`);
  const failed = results.filter((r) => r.failed > 0);
  if (failed.length > 0) {
    lines.push('', 'failed test files:');
    for (const r of failed)
      lines.push(`  ${r.file}: ${r.failed} failed${r.problem ? ` (${r.problem})` : ''}`);
  }
  const total = (key: 'passed' | 'failed' | 'skipped') => results.reduce((sum, r) => sum + r[key], 0);
  lines.push(
    '',
    `${results.length} files in ${seconds(wallMs)}${cpuText(cpu)}`,
    `${total('passed')} passed, ${total('failed')} failed, ${total('skipped')} skipped`,
  );
  return lines.join('\n');
}

function cpuText({ total, temporal }: RunCpu): string {
  if (total === undefined) return '';
  const share = temporal === undefined ? '' : `, ${temporal.toFixed(0)} of them the Temporal dev server's`;
  return `, ${total.toFixed(0)} CPU-seconds${share}`;
}
