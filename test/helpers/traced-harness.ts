import { createLogger, serviceTracer, startTelemetry, type Telemetry } from '../../src/telemetry';
import { startHarness, type Harness, type HarnessOptions } from './harness';
import { startJaeger, type Jaeger } from './jaeger';

/** A harness whose worker and webhook receiver export their spans to a real Jaeger, with its log kept. */
export interface TracedHarness {
  h: Harness;
  jaeger: Jaeger;
  /** The worker's log lines (debug and up), as it wrote them. */
  logLines: string[];
  /** Sends every span the worker and the receiver have ended to Jaeger now. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export async function startTracedHarness(options: HarnessOptions = {}): Promise<TracedHarness> {
  const jaeger = await startJaeger();
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = jaeger.otlpHttpEndpoint;
  let telemetry: Telemetry | undefined;
  let receiver: ReturnType<typeof serviceTracer> | undefined;
  const stopExporters = async () => {
    await telemetry?.shutdown();
    await receiver?.shutdown();
    await jaeger.stop();
  };
  try {
    telemetry = startTelemetry({
      serviceName: 'mlx-worker',
      attributes: { 'worker.id': 'test-worker' },
      outgoingCalls: true,
    });
    receiver = serviceTracer({ serviceName: 'mlx-webhook-receiver' });
    const logLines: string[] = [];
    const h = await startHarness({
      ...options,
      telemetry,
      receiverTracer: receiver.tracer,
      log: createLogger({ level: 'debug', write: (line) => logLines.push(line) }),
    });
    return {
      h,
      jaeger,
      logLines,
      async flush() {
        await telemetry!.spanProcessor.forceFlush();
        await receiver!.flush();
      },
      async close() {
        await h.close();
        await stopExporters();
      },
    };
  } catch (err) {
    await stopExporters();
    throw err;
  }
}
