/**
 * The Jaeger UI's configuration (its `ui.config_file`): link patterns that turn the run a span names
 * (`temporal.workflow_id`, `temporal.run_id`, written on every job and step span) into a link to that
 * run in the Temporal UI. The Jaeger UI fills `#{key}` from the span's tags, or its parents' tags, and
 * URL-encodes each value. deploy/jaeger/ui-config.json is this for the compose stack's addresses.
 */
export interface TemporalUiTarget {
  /** The Temporal UI's base URL, e.g. http://127.0.0.1:8080 (MLX_TEMPORAL_UI_URL). */
  url: string;
  namespace: string;
}

export function jaegerUiConfig({ url, namespace }: TemporalUiTarget) {
  const workflow = `${url.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/#{temporal.workflow_id}`;
  return {
    linkPatterns: [
      {
        type: 'tags',
        key: 'temporal.run_id',
        url: `${workflow}/#{temporal.run_id}/history`,
        text: 'This run in the Temporal UI',
      },
      {
        type: 'tags',
        key: 'temporal.workflow_id',
        url: workflow,
        text: 'This job in the Temporal UI (all its runs)',
      },
    ],
  };
}
