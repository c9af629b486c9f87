// The client library: submit jobs, follow and cancel them, link to their runs and traces.
export * from './connect-client';
export * from './dead-letters';
export * from './jobs';
export * from './links';
export * from './profile-queues';
export * from './trace-query';
