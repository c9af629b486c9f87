/** The steps of a job, in order. Workflow-safe. */
export const STEPS = [
  'acquireLease',
  'startProfile',
  'cdpConnect',
  'executeTask',
  'stopProfile',
  'releaseLease',
  'postWebhook',
] as const;
export type StepName = (typeof STEPS)[number];
