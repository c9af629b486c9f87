// Secrets: the credentials tasks use (kept on the worker, never in a spec, bound to their origins and
// clients), which client owns which profile, and redaction of secret values.
export * from './profile-owners';
export * from './redact';
export * from './task-secrets';
export * from './secrets-settings';
