import { connect as tcpConnect } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { TemporalSettings } from '../config';
import { createPayloadHandling, type PayloadSettings } from '../payload-codec';

/** How long a client waits for Temporal to answer before it gives up (MLX_TEMPORAL_CONNECT_TIMEOUT_MS). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

/** Temporal could not be reached at the configured address: the message names it and the cause. */
export class TemporalUnreachableError extends Error {
  override name = 'TemporalUnreachableError';
}

/**
 * A Temporal client that encodes payloads as the workers do: encrypted when keys are configured, large
 * ones through the claim-check store. Without `payload` settings payloads go plain and inline.
 *
 * Gives up after `connectTimeoutMs` (default 5 s), and at once when nothing listens at the address, with
 * a TemporalUnreachableError naming TEMPORAL_ADDRESS and the cause.
 */
export async function connectClient(config: {
  temporal: TemporalSettings & { connectTimeoutMs?: number };
  payload?: PayloadSettings;
}): Promise<Client> {
  const { address } = config.temporal.connection;
  const timeoutMs = config.temporal.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const unreachable = (cause: string) =>
    new TemporalUnreachableError(`cannot reach Temporal at TEMPORAL_ADDRESS=${address}: ${cause}`);
  const connecting = Connection.connect({ ...config.temporal.connection, connectTimeout: timeoutMs });
  // gRPC retries a refused address until its deadline and then says only "deadline": a plain TCP
  // connect tells a refused port or an unknown host at once, by name.
  const refused = new Promise<never>((_resolve, reject) => {
    void tcpRefusal(address, timeoutMs).then((cause) => cause && reject(unreachable(cause)));
  });
  let connection: Connection;
  try {
    connection = await Promise.race([connecting, refused]);
  } catch (err) {
    void connecting.then((c) => c.close()).catch(() => undefined);
    if (err instanceof TemporalUnreachableError) throw err;
    throw unreachable(connectFailure(err, timeoutMs));
  }
  // StartWorkflow spans, and trace context in the workflow's headers so the job joins the caller's trace.
  return new Client({
    connection,
    namespace: config.temporal.namespace,
    interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] },
    ...(config.payload && { dataConverter: createPayloadHandling(config.payload).dataConverter }),
  });
}

/** Why Connection.connect failed, in one line. */
function connectFailure(err: unknown, timeoutMs: number): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/deadline/i.test(message)) {
    return `no answer within ${timeoutMs / 1000} s (MLX_TEMPORAL_CONNECT_TIMEOUT_MS); is the server up and is this its gRPC port?`;
  }
  const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${message}${cause}`.split('\n')[0]!;
}

const REFUSALS: Record<string, string> = {
  ECONNREFUSED: 'connection refused (nothing listens there)',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'the host name could not be resolved',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/**
 * The reason a TCP connection to `address` (host:port) fails outright, or undefined when it opens, does
 * not fail in time, or cannot be told: gRPC through a proxy, or an address that is not host:port.
 */
async function tcpRefusal(address: string, timeoutMs: number): Promise<string | undefined> {
  const proxied = ['grpc_proxy', 'https_proxy', 'http_proxy'].some(
    (name) => process.env[name] || process.env[name.toUpperCase()],
  );
  const target = /^(?:\[([^\]]+)\]|([^:/[\]]+)):(\d+)$/.exec(address);
  if (proxied || !target) return undefined;
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: target[1] ?? target[2], port: Number(target[3]) });
    const done = (cause?: string) => {
      socket.destroy();
      resolve(cause);
    };
    socket.setTimeout(timeoutMs, () => done());
    socket.once('connect', () => done());
    socket.once('error', (err: NodeJS.ErrnoException) => done(REFUSALS[err.code ?? '']));
  });
}
