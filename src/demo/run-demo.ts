/**
 * `npm run demo`: the whole system on one machine. Starts the Temporal dev server (SQLite file, Web UI),
 * Jaeger (traces) and Prometheus (metrics with exemplars), the demo seller centre, a webhook receiver and
 * a worker with the embedded local launcher (real Chromium), submits one sync_orders job, follows it and
 * prints its result, webhook, span waterfall, the exemplar Prometheus holds for it and the UI link.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import { connectClient, getJob, jobFailureOf, startJob, waitForJob, temporalUiLink } from '../client-library';
import { createProgressPrinter } from '../cli/format';
import { loadClientConfig, loadWorkerConfig } from '../config';
import { startJaeger } from '../dev/jaeger';
import { startPrometheus } from '../dev/prometheus';
import { startDevServer } from '../dev/temporal-dev-server';
import { freePort, portIsFree } from '../dev/free-port';
import { createLogger, serviceTracer, startTelemetry } from '../telemetry';
import { buildActivityDeps } from '../worker-process/build-deps';
import { createConfiguredWorker, type MlxWorker } from '../worker-process/mlx-worker';
import { installWorkerRuntime, startWorkerMetrics } from '../worker-process/worker-metrics';
import { startSellerCentre } from './seller-centre';
import { startWebhookReceiver } from './webhook-receiver';
import { showTraceAndExemplar } from './trace-and-exemplar';
import { blobStorageDriver, createPayloadHandling, startCodecServer } from '../payload-codec';

const DEMO_ACCOUNT = { username: 'demo-seller', password: 'demo-password' };
const DEMO_CLIENT = '42';
const DEMO_PROFILE = 'demo-profile-1';

async function main(): Promise<void> {
  // In a terminal (or with --stay-up) everything stays up for a look around until a signal.
  const stayUp =
    (process.stdin.isTTY || process.argv.includes('--stay-up')) && !process.argv.includes('--exit');
  // --otp: the demo shop asks for a one-time code on sign-in, so the job waits for a person to answer.
  const otp = process.argv.includes('--otp');
  const say = (line: string) => console.log(line);
  // The demo runs as production should: payloads encrypted (a key kept in the data dir, so the UI and
  // later runs still read old jobs), webhooks signed; its receiver's loopback port is allowed explicitly.
  const dataDir = resolve(process.env.MLX_DATA_DIR ?? '.data');
  mkdirSync(dataDir, { recursive: true });
  const demoEnv = {
    ...(process.env.MLX_PAYLOAD_KEYS ? {} : { MLX_PAYLOAD_KEYS_FILE: demoPayloadKeys(dataDir) }),
    MLX_WEBHOOK_SECRET: randomBytes(24).toString('hex'),
    MLX_CODEC_SERVER_TOKEN: randomBytes(18).toString('hex'),
    ...process.env,
  };
  const base = loadWorkerConfig(demoEnv);
  const clientBase = loadClientConfig(demoEnv);
  const log = createLogger({ level: 'warn', fields: { service: 'mlx-worker' } });
  const sdkMetricsUrl = await installWorkerRuntime(log, {
    sdkMetrics: { host: '127.0.0.1', port: 0 },
    level: 'WARN',
    shutdownSignals: [],
  });
  mkdirSync(base.dataDir, { recursive: true });

  const cleanups: (() => Promise<void>)[] = [];
  let stopping: Promise<void> | undefined;
  const stopAll = () =>
    (stopping ??= (async () => {
      say('stopping…');
      for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => console.error(err));
    })());
  // Ctrl-C, a kill, or the terminal closing: stop the worker, its browsers and every server, then leave.
  const interrupted = new Promise<NodeJS.Signals>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
      process.once(signal, () => resolve(signal));
  });
  void interrupted.then((signal) => {
    stoppedBy = signal;
    return stopAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });

  const port = (await portIsFree(7233)) ? 7233 : undefined;
  const uiPort = (await portIsFree(8233)) ? 8233 : await freePort();
  // The codec endpoint first, so the dev server's Web UI is started wired to it: it shows the encrypted
  // payloads as data with nothing to configure (the endpoint admits only that UI's origin).
  const codecPayload = createPayloadHandling(clientBase.payload);
  const codec = await startCodecServer({
    codecs: codecPayload.codecs,
    driver: blobStorageDriver(codecPayload.store),
    token: clientBase.codecServer.token!,
    allowedOrigins: [`http://127.0.0.1:${uiPort}`],
  });
  cleanups.push(async () => {
    await codec.close();
    await codecPayload.close();
  });
  const server = await startDevServer({
    port,
    uiPort,
    uiCodecEndpoint: codec.uiEndpoint,
    dbFile: join(base.dataDir, 'temporal.db'),
  });
  cleanups.push(() => server.stop());
  say(`Temporal dev server  ${server.address}   Web UI ${server.uiUrl}`);
  say(
    `codec endpoint       ${codec.url}   (the Web UI decodes with it; temporal CLI: --codec-endpoint ${codec.url} --codec-auth "Bearer ${clientBase.codecServer.token}")`,
  );
  // Its UI config links each span to its run in this Temporal UI (for a Jaeger built with its web UI).
  const jaeger = await startJaeger({
    temporalUi: { url: server.uiUrl, namespace: base.temporal.namespace },
  });
  cleanups.push(() => jaeger.stop());
  say(`Jaeger               OTLP ${jaeger.otlpHttpEndpoint}   query API ${jaeger.queryUrl} (no web UI here)`);
  // The demo's spans go to its Jaeger, whatever OTEL_* say (the OTLP exporters read process.env).
  Object.assign(process.env, {
    OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpHttpEndpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
  });
  const telemetry = startTelemetry({
    serviceName: 'mlx-worker',
    attributes: { 'worker.id': base.workerId },
    outgoingCalls: true,
  });
  const receiverTelemetry = serviceTracer({ serviceName: 'mlx-webhook-receiver' });
  cleanups.push(
    () => telemetry.shutdown(),
    () => receiverTelemetry.shutdown(),
  );

  try {
    const sellerCentre = await startSellerCentre({
      accounts: {
        [DEMO_ACCOUNT.username]: otp ? { ...DEMO_ACCOUNT, one_time_code: true } : DEMO_ACCOUNT.password,
      },
      // This terminal stands in for the shop owner's phone.
      sendCode: (_, code) =>
        say(`\nthe seller centre sent the one-time code ${code} to the shop owner's phone (this terminal)`),
    });
    cleanups.push(() => sellerCentre.close());
    // The demo's receiver verifies what the worker signs, as an integrator's would.
    const receiver = await startWebhookReceiver({
      tracer: receiverTelemetry.tracer,
      secret: base.webhook.defaultSecrets,
    });
    cleanups.push(() => receiver.close());
    say(`demo seller centre   ${sellerCentre.url}   webhook receiver ${receiver.url}`);

    // The demo's own dev server, whatever TEMPORAL_* say.
    const temporal = { connection: { address: server.address }, namespace: base.temporal.namespace };
    const egress = {
      ...base.webhook.egress,
      allowHosts: [
        ...base.webhook.egress.allowHosts,
        { host: '127.0.0.1', port: Number(new URL(receiver.url).port) },
      ],
    };
    const config = {
      ...base,
      temporal,
      webhook: { ...base.webhook, egress },
      // The demo seller centre listens on loopback over http: its credential allows exactly that origin.
      secrets: {
        json: JSON.stringify({
          'demo-shop': {
            ...DEMO_ACCOUNT,
            origins: [new URL(sellerCentre.url).origin],
            allow_http: true,
            clients: [DEMO_CLIENT],
          },
        }),
      },
      // Its profile is its client's, as an agency maps its profiles (or folders) to clients.
      profileOwners: { profiles: { [DEMO_PROFILE]: DEMO_CLIENT }, folders: {} },
    };
    const clientConfig = {
      ...clientBase,
      temporal: { ...temporal, uiUrl: server.uiUrl },
      profileOwners: config.profileOwners,
      egress,
    };
    const runtime = await buildActivityDeps(config, log);
    cleanups.push(() => runtime.close());
    const connection = await NativeConnection.connect({ address: server.address });
    cleanups.push(() => connection.close());
    const polling: { worker?: MlxWorker } = {};
    const metricsServer = await startWorkerMetrics({
      config: { ...config, metrics: { host: '127.0.0.1', port: 0 } },
      deps: runtime.deps,
      connection,
      notReady: () => (polling.worker?.isPolling() ? undefined : 'not polling'),
      log,
    });
    cleanups.push(() => metricsServer.close());
    const prometheus = await startPrometheus({
      targets: [new URL(metricsServer.url).host],
      sdkTargets: [new URL(sdkMetricsUrl).host],
    });
    cleanups.push(() => prometheus.stop());
    say(
      `Prometheus           ${prometheus.url}   scraping the worker's ${metricsServer.url}/metrics and its Temporal SDK's ${sdkMetricsUrl}`,
    );
    const worker = await createConfiguredWorker(config, runtime, connection, telemetry);
    polling.worker = worker;
    const running = worker.run();
    cleanups.push(async () => {
      worker.shutdown();
      await running;
    });
    say(
      `worker ${config.workerId} polling ${config.taskQueue} and its own queue (local launcher, real Chromium)`,
    );

    const client = await connectClient(clientConfig);
    cleanups.push(() => client.connection.close());
    const spec = {
      job_id: `demo-sync-orders-${new Date()
        .toISOString()
        .replace(/[^0-9]/g, '')
        .slice(0, 14)}`,
      profile_id: DEMO_PROFILE,
      folder_id: 'demo-folder',
      platform: 'shopee_my',
      client_id: DEMO_CLIENT,
      task: {
        name: 'sync_orders',
        input: {
          seller_centre_url: sellerCentre.url,
          account: 'demo-shop',
          from: '2024-01-01',
          to: '2024-01-30',
        },
      },
      callback_url: receiver.url,
    };
    const started = await startJob(client, spec, {
      taskQueue: config.taskQueue,
      policy: clientConfig.policy,
      profileOwners: clientConfig.profileOwners,
      egress: clientConfig.egress,
      deadLetterRetentionMs: clientConfig.deadLetterRetentionMs,
      traceUrlTemplate: clientConfig.trace.urlTemplate,
    });
    const link = temporalUiLink(server.uiUrl, config.temporal.namespace, started.workflow_id, started.run_id);
    say(`\nsubmitted job ${started.job_id}\n  Temporal UI: ${link}\nprogress:`);
    try {
      const printProgress = createProgressPrinter(say);
      const answerCommand = [
        `TEMPORAL_ADDRESS=${server.address}`,
        ...(demoEnv.MLX_PAYLOAD_KEYS_FILE ? [`MLX_PAYLOAD_KEYS_FILE=${demoEnv.MLX_PAYLOAD_KEYS_FILE}`] : []),
        `bin/mlx-jobs answer ${started.job_id}`,
      ].join(' ');
      let told = false;
      const result = await waitForJob(client, started.job_id, {
        onProgress: (status) => {
          printProgress(status);
          if (!status.progress?.question || told) return;
          told = true;
          // The demo's own server and payload key: the command says where they are.
          say(
            `\nthe job waits for your answer; in another terminal, here, run\n  ${answerCommand}\nand type the code.\n`,
          );
        },
      });
      const output = result.output as { count: number; pages: number; export_count: number; rows: unknown[] };
      say(
        `\nresult: ${output.count} orders from ${output.pages} pages (CSV export: ${output.export_count} rows)`,
      );
      for (const row of output.rows.slice(0, 3)) say(`  ${JSON.stringify(row)}`);
      if (output.rows.length > 3) say(`  … ${output.rows.length - 3} more`);
    } catch (err) {
      const failure = jobFailureOf(err);
      say(`\njob failed: ${failure.type} at ${failure.step ?? '?'}: ${failure.message}`);
      process.exitCode = 1;
    }
    const delivery = await receiver.waitFor(started.job_id, 10_000);
    const body = delivery.body as { status: string; output?: { count?: number } };
    say(
      `\nwebhook received (signature verified): status=${body.status} orders=${body.output?.count ?? '-'} idempotency-key=${delivery.headers['idempotency-key']}`,
    );
    say(`traceparent on the webhook: ${delivery.headers.traceparent ?? '-'}`);
    const { trace_id } = await getJob(client, started.job_id);
    if (trace_id)
      await showTraceAndExemplar({
        say,
        trace_id,
        jobId: started.job_id,
        jaegerUrl: jaeger.queryUrl,
        prometheus,
        server,
        flush: async () => {
          await telemetry.spanProcessor.forceFlush();
          await receiverTelemetry.flush();
        },
      });
    say(`\nTemporal UI of the run: ${link}`);

    if (stayUp) {
      say('\nEverything stays up so you can look around; press Ctrl-C to stop.');
      await interrupted;
    }
  } finally {
    await stopAll();
  }
}

/** The demo's payload key: made once, kept in the data dir (readable by this user only). */
function demoPayloadKeys(dataDir: string): string {
  const file = join(dataDir, 'demo-payload-keys');
  if (!existsSync(file)) {
    writeFileSync(file, `demo-1=${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  }
  return file;
}

/** The signal that stopped the demo: what fails while it stops everything is no error of the demo. */
let stoppedBy: NodeJS.Signals | undefined;

main().catch((err: unknown) => {
  if (stoppedBy) return;
  console.error(err);
  process.exit(1);
});
