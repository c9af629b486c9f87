import { Client, Connection } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { TemporalSettings } from '../config';

export async function connectClient(config: { temporal: TemporalSettings }): Promise<Client> {
  const connection = await Connection.connect(config.temporal.connection);
  // StartWorkflow spans, and trace context in the workflow's headers so the job joins the caller's trace.
  return new Client({
    connection,
    namespace: config.temporal.namespace,
    interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] },
  });
}
