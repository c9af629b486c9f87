/**
 * The worker's Prometheus metrics (prom-client). One registry per process, in OpenMetrics form so the
 * duration histograms carry the trace id of a recent observation per bucket as an exemplar
 * (`# {trace_id="…"} …`): in Grafana a slow bucket opens its trace. The Prometheus text form is
 * derived from it (./metrics-format.ts). Every name here is documented in the README (Metrics).
 */
import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  collectDefaultMetrics,
  type OpenMetricsContentType,
} from 'prom-client';
import { WAIT_REASONS, type WaitReason } from '../contract';

export const metricsRegistry = new Registry<OpenMetricsContentType>();
metricsRegistry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);

let defaultMetrics = false;
/** The process's own metrics (CPU, memory, event loop, GC), once it serves /metrics. */
export function collectProcessMetrics(): void {
  if (!defaultMetrics) collectDefaultMetrics({ register: metricsRegistry });
  defaultMetrics = true;
}

const JOB_BUCKETS = [1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600];
const STEP_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 900];

const jobDuration = new Histogram({
  name: 'mlx_job_duration_seconds',
  help: "A job's run through its steps, from the workflow's start to its outcome; exemplar: the job's trace",
  labelNames: ['platform', 'task', 'outcome'] as const,
  buckets: JOB_BUCKETS,
  enableExemplars: true,
  registers: [metricsRegistry],
});
const jobs = new Counter({
  name: 'mlx_jobs_total',
  help: 'Jobs that ran through their steps, by outcome (completed, failed, cancelled)',
  labelNames: ['platform', 'task', 'outcome'] as const,
  registers: [metricsRegistry],
});
const jobFailures = new Counter({
  name: 'mlx_job_failures_total',
  help: 'Jobs that failed, by failure type and the step that failed',
  labelNames: ['platform', 'task', 'failure_type', 'step'] as const,
  registers: [metricsRegistry],
});
const stepDuration = new Histogram({
  name: 'mlx_step_duration_seconds',
  help: 'One attempt of one step (activity), by outcome (ok, error); exemplar: the trace of the attempt',
  labelNames: ['step', 'platform', 'outcome'] as const,
  buckets: STEP_BUCKETS,
  enableExemplars: true,
  registers: [metricsRegistry],
});
const stepFailures = new Counter({
  name: 'mlx_step_failures_total',
  help: 'Failed attempts of a step, by failure type',
  labelNames: ['step', 'platform', 'failure_type'] as const,
  registers: [metricsRegistry],
});
const webhookDeliveries = new Counter({
  name: 'mlx_webhook_deliveries_total',
  help: 'Webhook POSTs: delivered (2xx), unavailable (retried: 5xx, 408, 425, 429, no connection), timeout (retried: no answer in time), rejected (other 4xx)',
  labelNames: ['platform', 'result'] as const,
  registers: [metricsRegistry],
});
const deadLetters = new Counter({
  name: 'mlx_dead_letters_total',
  help: 'Dead letters parked, and how they left the desk (retried, discarded, expired)',
  labelNames: ['platform', 'kind', 'action'] as const,
  registers: [metricsRegistry],
});

export type JobOutcome = 'completed' | 'failed' | 'cancelled';

/** What one worker holds right now; read at every scrape. */
export interface WorkerGaugeSource {
  workerId: string;
  leasesHeld(): Promise<number>;
  openProfiles(): number;
  profileSlots(): number;
  /** Jobs of the namespace waiting for `reason` (the same for every worker: aggregate with max). */
  waiting(reason: WaitReason): Promise<number | undefined>;
  /** Jobs parked as dead letters in the namespace (the same for every worker: aggregate with max). */
  deadLettersWaiting(): Promise<number | undefined>;
}

const sources = new Set<WorkerGaugeSource>();

function gauge(name: string, help: string, labelNames: string[], read: (g: Gauge) => void | Promise<void>) {
  return new Gauge({
    name,
    help,
    labelNames,
    registers: [metricsRegistry],
    async collect() {
      this.reset();
      await read(this);
    },
  });
}

gauge('mlx_leases_held', 'Profile leases held by this worker', ['worker_id'], async (g) => {
  for (const s of sources) g.set({ worker_id: s.workerId }, await s.leasesHeld());
});
gauge('mlx_open_profiles', 'Profiles (browsers) this worker has open', ['worker_id'], (g) => {
  for (const s of sources) g.set({ worker_id: s.workerId }, s.openProfiles());
});
gauge(
  'mlx_profile_slots',
  'Profiles this worker may have open at once (MLX_MAX_OPEN_PROFILES)',
  ['worker_id'],
  (g) => {
    for (const s of sources) g.set({ worker_id: s.workerId }, s.profileSlots());
  },
);
gauge(
  'mlx_jobs_waiting',
  "Jobs in the namespace waiting now: for their profile's turn (profile), a worker with a free slot (slot) or a person's answer to their task's question (person); from Temporal visibility, every worker reports it",
  ['reason'],
  async (g) => {
    for (const reason of WAIT_REASONS) {
      for (const s of sources) {
        const count = await s.waiting(reason);
        if (count !== undefined) {
          g.set({ reason }, count);
          break;
        }
      }
    }
  },
);
gauge(
  'mlx_dead_letters_waiting',
  'Jobs parked as dead letters in the namespace now (from Temporal visibility; every worker reports it)',
  [],
  async (g) => {
    for (const s of sources) {
      const count = await s.deadLettersWaiting();
      if (count !== undefined) return g.set(count);
    }
  },
);

/** Reports a worker's state in the gauges until the returned function is called. */
export function addWorkerGauges(source: WorkerGaugeSource): () => void {
  sources.add(source);
  return () => sources.delete(source);
}

/** A trace id as an exemplar label, or none when tracing is off (all-zero ids are no trace). */
function exemplar(traceId: string | undefined): Record<string, string> {
  return traceId && !/^0+$/.test(traceId) ? { trace_id: traceId } : {};
}

/** Distinct platforms named in the labels when no list is configured; the rest count as `other`. */
export const PLATFORM_LABEL_LIMIT = 50;
let platformList: ReadonlySet<string> | undefined;
const platformsSeen = new Set<string>();

/**
 * Bounds the `platform` label, which is whatever a submitter sends: the platforms of `list`
 * (MLX_METRICS_PLATFORMS) keep their name, any other is `other`; without a list, the first
 * PLATFORM_LABEL_LIMIT platforms seen keep theirs.
 */
export function setMetricPlatforms(list: readonly string[] | undefined): void {
  platformList = list && new Set(list);
}

function platformLabel(platform: string): string {
  if (platformList) return platformList.has(platform) ? platform : 'other';
  if (platformsSeen.has(platform)) return platform;
  if (platformsSeen.size >= PLATFORM_LABEL_LIMIT) return 'other';
  platformsSeen.add(platform);
  return platform;
}

export const metrics = {
  jobEnded(job: {
    platform: string;
    task: string;
    outcome: JobOutcome;
    seconds: number;
    traceId?: string;
    failureType?: string;
    failedStep?: string;
  }): void {
    const platform = platformLabel(job.platform);
    const labels = { platform, task: job.task, outcome: job.outcome };
    jobDuration.observe({ labels, value: job.seconds, exemplarLabels: exemplar(job.traceId) });
    jobs.inc(labels);
    if (job.outcome === 'failed') {
      jobFailures.inc({
        platform,
        task: job.task,
        failure_type: job.failureType ?? 'unknown',
        step: job.failedStep ?? '',
      });
    }
  },

  stepEnded(step: {
    step: string;
    platform: string;
    seconds: number;
    traceId?: string;
    failureType?: string;
  }) {
    const outcome = step.failureType === undefined ? 'ok' : 'error';
    const platform = platformLabel(step.platform);
    stepDuration.observe({
      labels: { step: step.step, platform, outcome },
      value: step.seconds,
      exemplarLabels: exemplar(step.traceId),
    });
    if (step.failureType !== undefined) {
      stepFailures.inc({ step: step.step, platform, failure_type: step.failureType });
    }
  },

  webhookDelivery(platform: string, result: 'delivered' | 'unavailable' | 'timeout' | 'rejected'): void {
    webhookDeliveries.inc({ platform: platformLabel(platform), result });
  },

  deadLetter(platform: string, kind: string, action: 'parked' | 'retried' | 'discarded' | 'expired'): void {
    deadLetters.inc({ platform: platformLabel(platform), kind, action });
  },
};
