// Configuration from the environment, split by program: each validates only its own settings.
export { ConfigError } from '../contract';
export * from './client-config';
export * from './setting-secrets';
export * from './task-run-config';
export * from './temporal';
export * from './webhook-config';
export * from './worker-config';
