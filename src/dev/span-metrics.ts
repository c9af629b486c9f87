/**
 * Metrics derived from the spans themselves by the OpenTelemetry Collector's `spanmetrics` connector:
 * calls (with `status_code`) and a duration histogram in seconds per service, span name and the job
 * attributes below, exported for Prometheus as `traces_span_metrics_calls_total` and
 * `traces_span_metrics_duration_seconds_*`, the trace id of recent spans as exemplars. The trace-derived
 * alerts (deploy/prometheus/rules) read them. The same settings run in the Jaeger the tests and the demo
 * start (./jaeger.ts) and in compose's Collector (deploy/otel-collector/config.yaml, compared by
 * test/unit/compose.test.ts); only how often they are flushed differs.
 */
export const SPAN_METRICS_CONNECTOR = {
  histogram: {
    unit: 's',
    // The bounds of mlx_step_duration_seconds: 30 s is one, for the profile-start alert.
    explicit: {
      buckets: [
        '50ms',
        '100ms',
        '250ms',
        '500ms',
        '1s',
        '2500ms',
        '5s',
        '10s',
        '20s',
        '30s',
        '60s',
        '120s',
        '300s',
        '900s',
      ],
    },
  },
  // Label names in Prometheus: mlx_platform, mlx_task, mlx_failure_type, error_type.
  dimensions: [
    { name: 'mlx.platform' },
    { name: 'mlx.task' },
    { name: 'mlx.failure_type' },
    { name: 'error.type' },
  ],
  exemplars: { enabled: true },
  // mlx.platform is what submitters send: past this many series the rest are counted in one overflow
  // series (otel_metric_overflow="true") instead of growing without end.
  aggregation_cardinality_limit: 5000,
} as const;

/**
 * The connector's settings flushed every `flushIntervalS`: exemplars are those of the spans since the
 * last flush, so Prometheus sees each only when it scrapes at least as often as this.
 */
export function spanMetricsConnector(flushIntervalS: number) {
  return { ...SPAN_METRICS_CONNECTOR, metrics_flush_interval: `${flushIntervalS}s` };
}
