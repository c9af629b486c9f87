// Running one task outside a job, on a local Chromium profile, with a job's context: mlx-jobs/testing.
export * from './run-local';
