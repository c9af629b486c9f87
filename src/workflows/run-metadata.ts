import { setCurrentDetails } from '@temporalio/workflow';
import type { DeadLetterInfo, JobProgress, JobSpec, StepName } from '../contract';

/**
 * What the Temporal UI shows of a run beyond its history (user metadata): the run's current details
 * (Markdown: the step running, or "dead letter: <type> at <step>" with the commands that act on it)
 * and a summary per activity (profile, worker).
 */
export class RunMetadata {
  private trace?: { traceId: string; url?: string };

  constructor(
    private readonly spec: JobSpec,
    private readonly state: () => { progress: JobProgress; deadLetter?: DeadLetterInfo },
  ) {}

  /** The job's trace, once its span exists. */
  setTrace(traceId: string): void {
    this.trace = { traceId };
    this.refresh();
  }

  /**
   * The trace's link, as the leasing worker made it from its MLX_TRACE_URL_TEMPLATE (the acquireLease
   * result): the details link the trace whatever the client that started the run had configured. Not a
   * command: the details are answered from the workflow's state, so runs recorded before replay alike.
   */
  linkTrace(url: string | undefined): void {
    if (!this.trace || !url || this.trace.url === url) return;
    this.trace = { ...this.trace, url };
    this.refresh();
  }

  /** Renders the current details again; called whenever the progress or the dead letter changes. */
  refresh(): void {
    setCurrentDetails(renderDetails(this.spec, this.state(), this.trace));
  }

  /** The one-line summary the UI shows for a step's activity. */
  activitySummary(step: StepName, workerId?: string): string {
    return `${step} · profile ${this.spec.profile_id}${workerId ? ` · worker ${workerId}` : ''}`;
  }
}

export function renderDetails(
  spec: JobSpec,
  { progress, deadLetter }: { progress: JobProgress; deadLetter?: DeadLetterInfo },
  trace?: { traceId: string; url?: string },
): string {
  const job = spec.job_id;
  const lines: string[] = [];
  if (deadLetter) {
    const { failure } = deadLetter;
    lines.push(`**dead letter: ${failure.type} at ${failure.step ?? 'job'}**`, '', failure.message, '');
    lines.push(
      `Parked ${deadLetter.parked_at}, waits until ${deadLetter.expires_at}` +
        (deadLetter.retries ? ` (retried ${deadLetter.retries} time(s) before)` : '') +
        '.',
      '',
      deadLetter.kind === 'webhook'
        ? `The job ${progress.steps.some((s) => s.step === 'executeTask' && s.status === 'completed') ? 'completed' : 'ended'}; only its webhook could not be delivered.`
        : 'The profile is stopped and its lease released.',
      '',
      `- retry: \`mlx-jobs dlq retry ${job}\`${deadLetter.kind === 'job' ? ' (options: `--profile P`, `--input FILE`)' : ''}`,
      `- discard: \`mlx-jobs dlq discard ${job} --reason "…"\``,
      `- inspect: \`mlx-jobs dlq show ${job}\``,
    );
  } else if (progress.question) {
    const { question } = progress;
    lines.push(
      `**waiting for a person: ${question.kind}** (question ${question.question_id})`,
      '',
      question.prompt,
      '',
      `Asked ${question.since} by the task on worker ${question.worker_id}; times out ${question.until}.`,
      '',
      `- answer: \`mlx-jobs answer ${job}\`${question.secret ? ' (a secret: typed or from stdin, never on the command line)' : ''}`,
    );
  } else if (progress.waiting) {
    const { waiting } = progress;
    lines.push(
      `**waiting for its turn on profile ${waiting.profile_id}**`,
      '',
      `${waiting.behind_job_id ? `behind job ${waiting.behind_job_id}, ` : ''}${waiting.ahead} ahead, since ${waiting.since}`,
    );
  } else if (progress.state === 'running') {
    const step = progress.current_step;
    const index = step ? progress.steps.filter((s) => s.step === step).length : 0;
    lines.push(
      step
        ? `**running: ${step}**${index > 1 ? ` (run ${index} of this step)` : ''}${progress.worker_id ? ` on worker ${progress.worker_id}` : ''}`
        : '**running**',
    );
    const done = progress.steps.filter((s) => s.status === 'completed').map((s) => s.step);
    if (done.length) lines.push('', `done: ${done.join(', ')}`);
  } else {
    lines.push(`**${progress.state}**`);
  }
  if (trace) {
    const id = trace.url ? `[${trace.traceId}](${trace.url})` : `\`${trace.traceId}\``;
    lines.push('', `trace ${id}: \`mlx-jobs trace ${job}\``);
  }
  return lines.join('\n');
}
