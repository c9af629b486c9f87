import { QUERY_TIMEOUT_MS, type JobStatus } from '../client-library';
import { printable, type JobWait, type OpenQuestion, type StepRecord } from '../contract';

const MARK: Record<StepRecord['status'], string> = {
  running: '…',
  completed: '✓',
  failed: '✗',
  cancelled: '⊘',
};

export function formatStep(step: StepRecord, attempt?: number, lastFailure?: string): string {
  const took = step.duration_ms === undefined ? '' : ` ${step.duration_ms} ms`;
  // Playwright messages carry a multi-line call log: its first line says what failed.
  const reason = lastFailure === undefined ? undefined : printable(lastFailure.split('\n')[0] ?? '', 300);
  const retry =
    attempt && attempt > 1 ? ` (attempt ${attempt}${reason ? `, last failure: ${reason}` : ''})` : '';
  const type = step.failure_type ? ` [${step.failure_type}]` : '';
  return `  ${MARK[step.status]} ${step.step.padEnd(13)}${took}${type}${retry}`;
}

/** Prints each step once per state it reaches, so a waiting terminal reads like a log. */
export function createProgressPrinter(write: (line: string) => void): (status: JobStatus) => void {
  const printed = new Set<string>();
  return (status) => {
    const { waiting } = status.progress ?? {};
    const waitKey = waiting && `wait:${waiting.behind_job_id ?? ''}:${waiting.ahead}`;
    if (waiting && waitKey && !printed.has(waitKey)) {
      printed.add(waitKey);
      write(formatWait(waiting));
    }
    const { question } = status.progress ?? {};
    if (question && !printed.has(`question:${question.question_id}`)) {
      printed.add(`question:${question.question_id}`);
      write(formatQuestion(status.job_id, question));
    }
    status.progress?.steps.forEach((step, index) => {
      const pending = status.pending.find((p) => p.step === step.step);
      const key = `${index}:${step.status}:${step.status === 'running' ? (pending?.attempt ?? 1) : ''}`;
      if (printed.has(key)) return;
      printed.add(key);
      write(formatStep(step, pending?.attempt, pending?.last_failure));
    });
  };
}

const INLINE_OUTPUT_CHARS = 200;
const FIRST_ROWS = 3;
const ROW_CHARS = 160;

/**
 * A task's output for a terminal: short outputs as they are; long ones summarised, scalar fields
 * inline, each list as its length and first rows (`--json` prints all of it).
 */
export function formatOutput(output: unknown, jobId: string): string[] {
  const whole = JSON.stringify(output) ?? 'none';
  if (whole.length <= INLINE_OUTPUT_CHARS) return [`  output: ${whole}`];
  const clip = (text: string) => (text.length > ROW_CHARS ? `${text.slice(0, ROW_CHARS - 1)}…` : text);
  if (typeof output !== 'object' || output === null || Array.isArray(output)) {
    const list = Array.isArray(output) ? output : undefined;
    if (!list) return [`  output: ${clip(whole)}`, `  (mlx-jobs status ${jobId} --json shows all of it)`];
    output = { items: list };
  }
  const entries = Object.entries(output as Record<string, unknown>);
  const scalars = entries.filter(([, v]) => typeof v !== 'object' || v === null);
  const lines = [
    `  output: ${scalars.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ') || '(fields below)'}`,
  ];
  for (const [key, value] of entries.filter(([, v]) => typeof v === 'object' && v !== null)) {
    if (Array.isArray(value)) {
      lines.push(
        `    ${key}: ${value.length} item(s)${value.length > FIRST_ROWS ? `, the first ${FIRST_ROWS}:` : ':'}`,
      );
      for (const row of value.slice(0, FIRST_ROWS)) lines.push(`      ${clip(JSON.stringify(row))}`);
    } else {
      lines.push(`    ${key}: ${clip(JSON.stringify(value))}`);
    }
  }
  lines.push(`  (${whole.length} characters in all: mlx-jobs status ${jobId} --json shows all of it)`);
  return lines;
}

/** A job waiting in its profile's line: behind which job, how many ahead, since when. */
/** A question the job's task asks a person, and the command that answers it. */
export function formatQuestion(jobId: string, question: OpenQuestion): string {
  return `waiting for a person (${question.kind}, question ${question.question_id}, until ${question.until}): ${printable(question.prompt, 500)}; answer it with: mlx-jobs answer ${jobId}`;
}

export function formatWait(waiting: JobWait): string {
  const behind = waiting.behind_job_id
    ? ` behind job ${printable(waiting.behind_job_id, 200)}${waiting.behind_since ? ` (holding it since ${waiting.behind_since})` : ''},`
    : '';
  return `waiting for its turn on profile ${printable(waiting.profile_id, 200)}:${behind} ${waiting.ahead} ahead, since ${waiting.since}`;
}

export function formatStatus(status: JobStatus, uiLink: string, trace?: string): string {
  const lines = [
    `job ${status.job_id}: ${status.status}`,
    `  workflow ${status.workflow_id}  run ${status.run_id}`,
    `  started ${status.started_at}${status.closed_at ? `  closed ${status.closed_at}` : ''}`,
  ];
  if (status.progress?.worker_id) lines.push(`  worker ${status.progress.worker_id}`);
  if (status.progress?.waiting) lines.push(`  ${formatWait(status.progress.waiting)}`);
  if (status.progress) {
    lines.push('  steps:');
    for (const step of status.progress.steps) {
      const pending = status.pending.find((p) => p.step === step.step && step.status === 'running');
      lines.push(`  ${formatStep(step, pending?.attempt, pending?.last_failure)}`);
    }
  } else {
    lines.push(
      `  steps: unknown (no worker answered the progress query within ${QUERY_TIMEOUT_MS / 1000} s)`,
    );
  }
  const parked = status.progress?.dead_letter;
  const failure = status.failure ?? parked?.failure;
  if (parked) {
    lines.push(
      `  DEAD LETTER (${parked.kind === 'job' ? 'the job failed' : 'only the webhook failed'}) since ${parked.parked_at}, until ${parked.expires_at}; retried ${parked.retries} time(s) so far`,
    );
    if (parked.webhook_delivered === false) lines.push('  the failure webhook was not delivered');
  }
  if (failure) {
    lines.push(
      `  failure: ${printable(failure.type, 80)} at ${failure.step ?? '?'}: ${printable(failure.message, 2_000)}`,
    );
    const evidence = failure.evidence;
    if (evidence) {
      lines.push(`  page at failure: ${printable(evidence.url, 2_000)} "${printable(evidence.title, 300)}"`);
      if (evidence.screenshot) lines.push(`  screenshot: ${evidence.screenshot} (on the worker)`);
      if (evidence.trace)
        lines.push(`  playwright trace: ${evidence.trace} (on the worker; npx playwright show-trace)`);
      if (evidence.stored?.length && parked)
        lines.push(
          `  evidence kept in the claim-check store: mlx-jobs dlq show ${status.job_id} --evidence DIR`,
        );
    }
    if (failure.dead_letter?.outcome === 'discarded')
      lines.push(`  discarded by an operator: ${failure.dead_letter.reason ?? ''}`);
    if (failure.dead_letter?.outcome === 'expired')
      lines.push('  dead letter expired: nobody retried or discarded it within its retention');
  }
  if (status.result) lines.push(...formatOutput(status.result.output, status.job_id));
  lines.push(`  Temporal UI: ${uiLink}`);
  if (trace) lines.push(`  trace: ${trace}`);
  return lines.join('\n');
}
