// Telemetry: OpenTelemetry SDK setup, the span of every step, span helpers, the JSON log lines that
// carry trace ids, and the worker's Prometheus metrics with their HTTP endpoint. Span attribute names
// are part of the shared vocabulary (src/contract).
export * from './listen';
export * from './log';
export * from './metrics';
export * from './metrics-server';
export * from './output-filter';
export * from './setup';
export * from './spans';
export * from './step-span';
export { metricsSinks } from './metrics-sinks';
