/** The Temporal Web UI page of one run. */
export function temporalUiLink(uiUrl: string, namespace: string, workflowId: string, runId?: string): string {
  const base = `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}/history` : base;
}

/** A link to one trace in Grafana or Jaeger, from a template holding `{trace_id}`; none without one. */
export function traceLink(template: string | undefined, traceId: string): string | undefined {
  return template?.replaceAll('{trace_id}', traceId);
}

/**
 * How to open a job's trace: its link when a link template is configured, else its id and the command
 * that draws it (no link to a page that may not exist, such as a Jaeger built without its web UI).
 */
export function traceReference(template: string | undefined, traceId: string, jobId: string): string {
  return traceLink(template, traceId) ?? `${traceId} (draw it: mlx-jobs trace ${jobId})`;
}

/** The Temporal Web UI page of one schedule. */
export function temporalUiScheduleLink(uiUrl: string, namespace: string, scheduleId: string): string {
  return `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/schedules/${encodeURIComponent(scheduleId)}`;
}
