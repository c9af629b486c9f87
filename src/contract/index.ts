// The shared vocabulary: what the client, the workflow and the activities all speak. Workflow-safe: no
// Node APIs, no I/O (the lint rule for workflow code covers this folder).
export * from './config-error';
export * from './dead-letter';
export * from './failure-info';
export * from './failures';
export * from './io-reason';
export * from './job-spec';
export * from './metrics-sinks';
export * from './outcome';
export * from './own';
export * from './policy-schemas';
export * from './profile-queue';
export * from './refused-payload';
export * from './progress';
export * from './questions';
export * from './relative-dates';
export * from './run-job-input';
export * from './scheduled-run';
export * from './search-attributes';
export * from './span-attributes';
export * from './steps';
export * from './task-queues';
export * from './validation';
export * from './printable';
