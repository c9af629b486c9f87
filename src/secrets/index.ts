// Secrets: the credentials tasks use (kept on the worker, never in a spec) and redaction of secret values.
export * from './redact';
export * from './task-secrets';
