// The client library: submit jobs (one or a batch), follow and cancel them, run them on schedules, link
// to their runs and traces.
export * from './batch';
export * from './bounded-query';
export * from './check-spec';
export * from './concurrency';
export * from './connect-client';
export * from './dead-letters';
export * from './jobs';
export * from './links';
export * from './profile-queues';
export * from './profile-turns';
export * from './questions';
export * from './records';
export * from './run-outcome';
export * from './schedule-backfill';
export * from './schedule-create';
export * from './schedule-definition';
export * from './schedules';
export * from './slot-waits';
export * from './trace-query';
export * from './trace-search';
