/** The Temporal Web UI page of one run. */
export function temporalUiLink(uiUrl: string, namespace: string, workflowId: string, runId?: string): string {
  const base = `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}/history` : base;
}

/** A link to one trace in Tempo, Grafana or Jaeger, from a template holding `{trace_id}`. */
export function traceLink(template: string, traceId: string): string {
  return template.replaceAll('{trace_id}', traceId);
}

/** The Temporal Web UI page of one schedule. */
export function temporalUiScheduleLink(uiUrl: string, namespace: string, scheduleId: string): string {
  return `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/schedules/${encodeURIComponent(scheduleId)}`;
}
