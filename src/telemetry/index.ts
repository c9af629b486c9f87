// Telemetry: OpenTelemetry SDK setup, span helpers, the attributes every job span carries.
export * from '../contract/span-attributes';
export { activeTraceIds, inSpan, tracer } from './spans';
export { serviceTracer, startTelemetry, type Telemetry, type TelemetryOptions } from './setup';
