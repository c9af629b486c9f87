import { fetchTrace, waitForTrace } from '../client-library';
import { renderWaterfall } from '../cli/waterfall';
import type { LocalPrometheus } from '../dev/prometheus';

/** The job's span waterfall from Jaeger and the exemplar Prometheus keeps for it, with how to see both again. */
export async function showTraceAndExemplar(o: {
  say: (line: string) => void;
  trace_id: string;
  jobId: string;
  jaegerUrl: string;
  prometheus: LocalPrometheus;
  server: { address: string; uiUrl: string };
  flush: () => Promise<void>;
}): Promise<void> {
  const { say, trace_id, jobId } = o;
  await o.flush();
  // The receiver exports its span itself: wait for it too, so the waterfall shows both ends.
  await waitForTrace(o.jaegerUrl, trace_id, 20_000, ['mlx.webhook.receive']);
  say(`\ntrace ${trace_id}:`);
  say(renderWaterfall(await fetchTrace(o.jaegerUrl, trace_id)));
  say('  Jaeger here has no web UI; draw it again with:');
  say(
    `  TEMPORAL_ADDRESS=${o.server.address} MLX_TRACE_QUERY_URL=${o.jaegerUrl} bin/mlx-jobs trace ${jobId}`,
  );
  say(`  (its OTLP JSON: curl ${o.jaegerUrl}/api/v3/traces/${trace_id})`);
  const query = 'mlx_job_duration_seconds_bucket';
  const deadline = Date.now() + 30_000;
  for (;;) {
    const exemplar = (await o.prometheus.exemplars(query).catch(() => [])).find(
      (e) => e.labels.trace_id === trace_id,
    );
    if (exemplar) {
      const { platform, task, outcome } = exemplar.series;
      say(
        `\nPrometheus keeps the job as an exemplar of mlx_job_duration_seconds{platform="${platform}",task="${task}",outcome="${outcome}"}:`,
      );
      say(`  ${exemplar.value.toFixed(2)} s, trace_id=${exemplar.labels.trace_id}`);
      say(
        `  see it: curl '${o.prometheus.url}/api/v1/query_exemplars?query=${query}' (Prometheus UI: ${o.prometheus.url}/graph)`,
      );
      return;
    }
    if (Date.now() > deadline) {
      say(
        `\nPrometheus has no exemplar for the job yet: curl '${o.prometheus.url}/api/v1/query_exemplars?query=${query}'`,
      );
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
