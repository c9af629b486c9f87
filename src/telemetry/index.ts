// Telemetry: OpenTelemetry SDK setup, the span of every step, span helpers, and the JSON log lines that
// carry trace ids. Span attribute names are part of the shared vocabulary (src/contract).
export * from './log';
export * from './output-filter';
export * from './setup';
export * from './spans';
export * from './step-span';
