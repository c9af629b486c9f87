import { Resource } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Telemetry } from '../../src/telemetry';

/**
 * Every span of a harness's worker and workflows, kept in memory for the test to read: `telemetry` goes
 * to startHarness; the SDK starts here, and the test shuts it down (telemetry.shutdown) after the harness.
 */
export function memorySpans(): { spans: InMemorySpanExporter; telemetry: Telemetry } {
  const spans = new InMemorySpanExporter();
  const spanProcessor = new SimpleSpanProcessor(spans);
  const resource = new Resource({ 'service.name': 'mlx-worker' });
  const sdk = new NodeSDK({
    resource,
    autoDetectResources: false,
    spanProcessors: [spanProcessor],
    instrumentations: [],
  });
  sdk.start();
  return {
    spans,
    telemetry: {
      resource,
      spanProcessor,
      exporting: true,
      destination: 'in memory',
      shutdown: () => sdk.shutdown(),
    },
  };
}
