import {
  temporalUiLink,
  temporalUiScheduleLink,
  traceLink,
  type BackfillResult,
  type ScheduleDetails,
  type ScheduledRunOutcome,
  type ScheduleOverview,
  type ScheduleSpecDefinition,
} from '../client-library';
import type { ClientConfig } from '../config';

/** The links of a schedule and of a run: Temporal UI pages and the run's trace. */
export function scheduleLinks(config: ClientConfig) {
  const { uiUrl, namespace } = config.temporal;
  return {
    schedule: (id: string) => temporalUiScheduleLink(uiUrl, namespace, id),
    run: (run: ScheduledRunOutcome) => temporalUiLink(uiUrl, namespace, run.workflow_id, run.run_id),
    trace: (run: ScheduledRunOutcome) => run.trace_id && traceLink(config.trace.urlTemplate, run.trace_id),
  };
}

/** A run with its links, for --json. */
export function runWithLinks(config: ClientConfig, run: ScheduledRunOutcome) {
  const links = scheduleLinks(config);
  return { ...run, ui_url: links.run(run), trace_url: links.trace(run) };
}

export function specText(spec: ScheduleSpecDefinition | undefined): string {
  if (!spec) return '(not made by mlx-jobs)';
  const when = [
    ...[spec.cron ?? []].flat().map((c) => `cron "${c}"`),
    ...(spec.calendars ?? []).map((c) => `calendar ${JSON.stringify(c)}`),
  ].join(', ');
  const jitter = spec.jitter_ms ? `, jitter up to ${spec.jitter_ms} ms` : '';
  return `${when} in ${spec.time_zone}${jitter}`;
}

function runLine(config: ClientConfig, run: ScheduledRunOutcome, indent: string): string[] {
  const links = scheduleLinks(config);
  const failure = run.failure_type ? ` ${run.failure_type}` : '';
  const trace = links.trace(run);
  return [
    `${indent}${run.job_id}: ${run.state}${failure} (scheduled ${run.scheduled_at})`,
    `${indent}  ${links.run(run)}${trace ? `\n${indent}  trace: ${trace}` : ''}`,
  ];
}

export function formatScheduleList(config: ClientConfig, schedules: ScheduleOverview[]): string {
  if (schedules.length === 0) return 'no schedules';
  const links = scheduleLinks(config);
  const lines: string[] = [];
  for (const s of schedules) {
    lines.push(`${s.schedule_id}${s.paused ? '  [PAUSED]' : ''}  ${s.summary ?? ''}`);
    lines.push(`  when: ${specText(s.spec)}; next: ${s.next_runs.slice(0, 3).join(', ') || '-'}`);
    if (s.paused && s.note) lines.push(`  note: ${s.note}`);
    if (s.last_run) lines.push(...runLine(config, s.last_run, '  last run '));
    else lines.push('  no run yet');
    lines.push(`  ${links.schedule(s.schedule_id)}`);
  }
  return lines.join('\n');
}

export function formatScheduleDetails(config: ClientConfig, s: ScheduleDetails): string {
  const lines = [
    `schedule ${s.schedule_id}: ${s.summary ?? ''}`,
    `  state: ${s.paused ? 'PAUSED' : 'active'}${s.note ? ` (note: ${s.note})` : ''}`,
    `  when: ${specText(s.spec)}`,
    `  overlap: ${s.overlap}; catch-up window: ${s.catchup_window_ms} ms`,
    `  runs taken: ${s.runs_taken}; skipped while one was open: ${s.skipped_overlap}; missed the catch-up window: ${s.missed_catchup_window}`,
    `  next runs: ${s.next_runs.join(', ') || '-'}`,
  ];
  if (s.running.length) lines.push(`  running now: ${s.running.join(', ')}`);
  lines.push(s.recent_runs.length ? '  recent runs:' : '  no run yet');
  for (const run of s.recent_runs) lines.push(...runLine(config, run, '    '));
  if (s.template) lines.push(`  template: ${JSON.stringify(s.template)}`);
  lines.push(`  Temporal UI: ${scheduleLinks(config).schedule(s.schedule_id)}`);
  return lines.join('\n');
}

export function formatBackfill(result: BackfillResult): string {
  const lines = [`schedule ${result.schedule_id}: backfill ${result.from} … ${result.to}`];
  for (const run of result.existed) lines.push(`  exists  ${run.job_id} (${run.status}): not started again`);
  lines.push(
    result.to_start.length
      ? `  starting ${result.to_start.length} run(s), scheduled at ${result.to_start.join(', ')}`
      : '  nothing to start',
  );
  return lines.join('\n');
}
