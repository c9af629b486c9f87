import { Client, Connection } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { TemporalSettings } from '../config';
import { createPayloadHandling, type PayloadSettings } from '../payload-codec';

/**
 * A Temporal client that encodes payloads as the workers do: encrypted when keys are configured, large
 * ones through the claim-check store. Without `payload` settings payloads go plain and inline.
 */
export async function connectClient(config: {
  temporal: TemporalSettings;
  payload?: PayloadSettings;
}): Promise<Client> {
  const connection = await Connection.connect(config.temporal.connection);
  // StartWorkflow spans, and trace context in the workflow's headers so the job joins the caller's trace.
  return new Client({
    connection,
    namespace: config.temporal.namespace,
    interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] },
    ...(config.payload && { dataConverter: createPayloadHandling(config.payload).dataConverter }),
  });
}
