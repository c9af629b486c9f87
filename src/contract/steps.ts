/**
 * The steps of a job, in the design's order, and what the progress query reports of each. A completed
 * task's report (postWebhook) begins while its profile stops, so it begins before releaseLease.
 */
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

export function isStepName(value: unknown): value is StepName {
  return typeof value === 'string' && (STEPS as readonly string[]).includes(value);
}

export type StepStatus = 'running' | 'completed' | 'failed' | 'cancelled';

export interface StepRecord {
  step: StepName;
  status: StepStatus;
  started_at: string;
  duration_ms?: number;
  failure_type?: string;
}
