// Lease stores: who may drive which profile (in-memory for one worker; Redis for a fleet).
export * from './lease-store';
export { heartbeatIntervalMs, renewalIntervalMs } from './renewal-interval';
export { createMemoryLeaseStore } from './memory-store';
export { createRedisLeaseStore } from './redis-store';
