/**
 * Whole-job and per-step latency of a sync_orders job through Temporal (the product), side by side with
 * the same work done directly (start profile, attach over CDP, run the task, stop) without Temporal.
 * Runs are interleaved so both see the same machine load.
 *
 *   npm run bench -- [runs=7] [--json]
 *
 * Spans are exported when OTEL_EXPORTER_OTLP_ENDPOINT is set (bench/tracing-overhead.ts uses that).
 */
import { chromium } from 'playwright-core';
import { waitForJob } from '../src/client-library';
import { startSellerCentre } from '../src/demo/seller-centre';
import { createLauncherClient } from '../src/mlx';
import { silentLogger, startTelemetry } from '../src/telemetry';
import { syncOrders } from '../src/tasks/sync-orders';
import { DEFAULT_TASK_LIMITS } from '../src/tasks';
import { jobSecrets, loopbackCredential } from '../test/helpers/credentials';
import { startHarness } from '../test/helpers/harness';
import { median } from './stats';

const ACCOUNT = { username: 'bench', password: 'bench-pw' };

async function main(): Promise<void> {
  const runs = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 7);
  const json = process.argv.includes('--json');
  const telemetry = startTelemetry({ serviceName: 'mlx-worker' });
  const sellerCentre = await startSellerCentre({ accounts: { [ACCOUNT.username]: ACCOUNT.password } });
  const credentials = { shop: loopbackCredential(sellerCentre.url, ACCOUNT, ['client-42', 'b']) };
  const h = await startHarness({ secrets: credentials, telemetry });
  const launcher = createLauncherClient({ baseUrl: h.launcher.url });
  const input = {
    seller_centre_url: sellerCentre.url,
    account: 'shop',
    from: '2024-01-01',
    to: '2024-01-30',
  };
  const pipeline: number[] = [];
  const direct: number[] = [];
  const steps: Record<string, number[]> = {};

  try {
    for (let run = 0; run < runs; run++) {
      // Through Temporal: submit → result, with every step's own duration.
      const started = performance.now();
      const job = await h.submit({
        job_id: `bench-${Date.now()}-${run}`,
        task: { name: 'sync_orders', input },
      });
      const result = await waitForJob(h.client, job.job_id);
      pipeline.push(performance.now() - started);
      for (const step of result.steps) (steps[step.step] ??= []).push(step.duration_ms ?? 0);

      // Baseline: the same profile work, called directly.
      const t0 = performance.now();
      const profileId = `bench-direct-${run}`;
      const { port } = await launcher.startProfile({ folderId: 'f', profileId, headless: true });
      const browser = await chromium.connectOverCDP(`http://127.0.0.1:${port}`);
      const context = browser.contexts()[0]!;
      await syncOrders.run(
        {
          job: {
            job_id: profileId,
            profile_id: profileId,
            platform: 'shopee_my',
            client_id: 'b',
            attempt: 1,
          },
          browser,
          context,
          page: context.pages()[0] ?? (await context.newPage()),
          secrets: jobSecrets(credentials, [{ account: 'shop', url: sellerCentre.url }], 'b'),
          limits: DEFAULT_TASK_LIMITS,
          signal: new AbortController().signal,
          log: silentLogger,
          heartbeat: () => undefined,
          span: (_name, fn) => fn(),
        },
        syncOrders.input.parse(input),
      );
      await browser.close();
      await launcher.stopProfile(profileId);
      direct.push(performance.now() - t0);
    }
  } finally {
    await h.close();
    await sellerCentre.close();
    await telemetry.shutdown();
  }
  if (json) {
    const medians = Object.fromEntries(Object.entries(steps).map(([step, values]) => [step, median(values)]));
    console.log(JSON.stringify({ runs, pipeline: median(pipeline), direct: median(direct), steps: medians }));
    return;
  }

  const ms = (v: number) => `${v.toFixed(0)} ms`;
  console.log(`runs: ${runs} (interleaved), machine: ${process.arch}, node ${process.version}\n`);
  console.log('| measure | median | min | max |\n| --- | --- | --- | --- |');
  const row = (name: string, values: number[]) =>
    console.log(
      `| ${name} | ${ms(median(values))} | ${ms(Math.min(...values))} | ${ms(Math.max(...values))} |`,
    );
  row('job through Temporal (submit → result)', pipeline);
  row('baseline: same work without Temporal', direct);
  for (const [step, values] of Object.entries(steps)) row(`step ${step}`, values);
  console.log(`\nratio pipeline / baseline (medians): ${(median(pipeline) / median(direct)).toFixed(2)}`);
  console.log(`overhead (median difference): ${ms(median(pipeline) - median(direct))}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
