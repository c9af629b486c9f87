import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wantsOpenMetrics } from '../../src/telemetry';
import { openMetricsToText } from '../../src/telemetry/metrics-format';

const OPEN_METRICS = `# HELP mlx_jobs Jobs
# TYPE mlx_jobs counter
mlx_jobs_total{outcome="completed"} 3
# HELP mlx_job_duration_seconds Duration
# TYPE mlx_job_duration_seconds histogram
mlx_job_duration_seconds_bucket{le="5"} 2 # {trace_id="4bf92f3577b34da6a3ce929d0e0e4736"} 3.2 1700000000.123
mlx_job_duration_seconds_bucket{le="+Inf"} 3
mlx_job_duration_seconds_sum 9.5
mlx_job_duration_seconds_count 3
# EOF
`;

test('OpenMetrics to the Prometheus text format: counters named with _total, no exemplars, no EOF', () => {
  assert.equal(
    openMetricsToText(OPEN_METRICS),
    `# HELP mlx_jobs_total Jobs
# TYPE mlx_jobs_total counter
mlx_jobs_total{outcome="completed"} 3
# HELP mlx_job_duration_seconds Duration
# TYPE mlx_job_duration_seconds histogram
mlx_job_duration_seconds_bucket{le="5"} 2
mlx_job_duration_seconds_bucket{le="+Inf"} 3
mlx_job_duration_seconds_sum 9.5
mlx_job_duration_seconds_count 3
`,
  );
});

test('OpenMetrics is served when the scraper accepts it (as Prometheus does), not when it refuses it', () => {
  assert.equal(
    wantsOpenMetrics(
      'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
    ),
    true,
  );
  assert.equal(wantsOpenMetrics('text/plain'), false);
  assert.equal(wantsOpenMetrics(undefined), false);
  assert.equal(wantsOpenMetrics('application/openmetrics-text;q=0'), false);
});
