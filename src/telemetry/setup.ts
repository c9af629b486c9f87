import type { Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter as OtlpGrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as OtlpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { detectResourcesSync, envDetectorSync, Resource } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  NoopSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { version } from '../../package.json';
import { ConfigError } from '../contract/config-error';
import { outgoingCallInstrumentations } from './outgoing-calls';

export interface Telemetry {
  resource: Resource;
  /** Given to Temporal's OpenTelemetry plugin, which exports workflow spans through it. */
  spanProcessor: SpanProcessor;
  /** True when spans leave the process (an OTLP endpoint is set and the SDK is not disabled). */
  exporting: boolean;
  /** Where spans go, for the start-up log: `<endpoint> (<protocol>)`, or why they do not. */
  destination: string;
  /** Flushes pending spans and stops the SDK. */
  shutdown(): Promise<void>;
}

export interface TelemetryOptions {
  /** Default service.name; OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES override it. */
  serviceName: string;
  attributes?: Record<string, string>;
  env?: NodeJS.ProcessEnv;
  /** Spans for the process's own HTTP and Redis calls (./outgoing-calls.ts): the worker's. */
  outgoingCalls?: boolean;
}

function serviceResource(options: TelemetryOptions): Resource {
  return new Resource({
    'service.name': options.serviceName,
    'service.version': version,
    ...options.attributes,
  }).merge(detectResourcesSync({ detectors: [envDetectorSync] }));
}

const PROTOCOLS = ['http/protobuf', 'grpc'] as const;

/**
 * OTLP over http/protobuf by default (the specification's default, port 4318), gRPC when
 * OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL says so; the
 * exporters read endpoint, headers and timeouts from the standard variables themselves.
 * Without an endpoint, with OTEL_TRACES_EXPORTER=none or with OTEL_SDK_DISABLED=true, nothing is
 * exported. Another exporter or protocol (http/json) is a bad setting, not a silent fallback.
 */
export function spanProcessorFromEnv(env: NodeJS.ProcessEnv): {
  processor: SpanProcessor;
  exporting: boolean;
  destination: string;
} {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (env.OTEL_SDK_DISABLED === 'true')
    return { processor: new NoopSpanProcessor(), exporting: false, destination: 'none (OTEL_SDK_DISABLED)' };
  const exporterName = (env.OTEL_TRACES_EXPORTER ?? 'otlp').trim();
  if (exporterName !== 'otlp' && exporterName !== 'none') {
    throw new ConfigError(
      `bad setting OTEL_TRACES_EXPORTER: "${exporterName}" is not supported here: otlp (the default) or none`,
    );
  }
  const protocolSetting = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL
    ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'
    : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocol = env[protocolSetting] ?? 'http/protobuf';
  if (!(PROTOCOLS as readonly string[]).includes(protocol)) {
    throw new ConfigError(
      `bad setting ${protocolSetting}: "${protocol}" is not supported here: ${PROTOCOLS.join(' or ')}${protocol === 'http/json' ? ' (the JSON encoding is not)' : ''}`,
    );
  }
  if (exporterName === 'none') {
    const destination = 'none (OTEL_TRACES_EXPORTER=none)';
    return { processor: new NoopSpanProcessor(), exporting: false, destination };
  }
  if (!endpoint) {
    const destination = 'none (set OTEL_EXPORTER_OTLP_ENDPOINT to export spans)';
    return { processor: new NoopSpanProcessor(), exporting: false, destination };
  }
  const exporter = protocol === 'http/protobuf' ? new OtlpProtoExporter() : new OtlpGrpcExporter();
  return {
    processor: new BatchSpanProcessor(exporter),
    exporting: true,
    destination: `${endpoint} (OTLP ${protocol})`,
  };
}

/**
 * Starts the OpenTelemetry SDK for this process (context manager, W3C propagators, batch export).
 * Spans are created even when nothing is exported, so trace ids and traceparent headers still exist.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  const env = options.env ?? process.env;
  const resource = serviceResource(options);
  const { processor, exporting, destination } = spanProcessorFromEnv(env);
  const disabled = env.OTEL_SDK_DISABLED === 'true';
  const sdk = new NodeSDK({
    resource,
    autoDetectResources: false,
    spanProcessors: [processor],
    instrumentations: options.outgoingCalls && !disabled ? outgoingCallInstrumentations() : [],
  });
  if (!disabled) sdk.start();
  return { resource, spanProcessor: processor, exporting, destination, shutdown: () => sdk.shutdown() };
}

/** A tracer of another service in the same process (the example webhook receiver), not registered globally. */
export function serviceTracer(options: TelemetryOptions): {
  tracer: Tracer;
  flush(): Promise<void>;
  shutdown(): Promise<void>;
} {
  const provider = new BasicTracerProvider({ resource: serviceResource(options) });
  provider.addSpanProcessor(spanProcessorFromEnv(options.env ?? process.env).processor);
  return {
    tracer: provider.getTracer('mlx.webhook.receiver'),
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
