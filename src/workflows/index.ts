// Workflows: deterministic code only (no Node APIs, no I/O); activities are imported as types.
export { runJob, progressQuery, type RunJobInput } from './run-job';
export { profileQueue, queueQuery, turnQuery } from './profile-queue';
export { answerUpdate, askUpdate } from './questions';
