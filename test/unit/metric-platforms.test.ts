import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  metrics,
  metricsRegistry,
  PLATFORM_LABEL_LIMIT,
  setMetricPlatforms,
} from '../../src/telemetry/metrics';

// The platform label is whatever a submitter sends: it is bounded, so one bad client cannot make
// every series a thousand times over.
const platformsIn = async (name: string): Promise<Set<string>> => {
  const metric = await metricsRegistry.getSingleMetric(name)!.get();
  return new Set(metric.values.map((v) => String(v.labels.platform)));
};

test('with MLX_METRICS_PLATFORMS, a platform outside the list is counted as other', async () => {
  setMetricPlatforms(['shopee_my']);
  try {
    for (const platform of ['shopee_my', 'lazada_id', 'made_up_1']) {
      metrics.jobEnded({ platform, task: 'sync_orders', outcome: 'completed', seconds: 1 });
      metrics.stepEnded({ step: 'executeTask', platform, seconds: 1, failureType: 'PlatformBanned' });
      metrics.webhookDelivery(platform, 'delivered');
    }
    for (const name of ['mlx_jobs_total', 'mlx_step_failures_total', 'mlx_webhook_deliveries_total']) {
      assert.deepEqual(await platformsIn(name), new Set(['shopee_my', 'other']), name);
    }
  } finally {
    setMetricPlatforms(undefined);
    metricsRegistry.resetMetrics();
  }
});

test('without a list, the first platforms seen keep their names up to the limit, the rest are other', async () => {
  try {
    for (let i = 0; i < PLATFORM_LABEL_LIMIT + 10; i++) {
      metrics.jobEnded({ platform: `p_${i}`, task: 't', outcome: 'completed', seconds: 1 });
    }
    const seen = await platformsIn('mlx_jobs_total');
    assert.equal(seen.size, PLATFORM_LABEL_LIMIT + 1);
    assert.ok(seen.has('p_0') && seen.has('other') && !seen.has(`p_${PLATFORM_LABEL_LIMIT}`));
  } finally {
    metricsRegistry.resetMetrics();
  }
});
