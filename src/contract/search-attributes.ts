/**
 * The search attributes that make jobs findable in the Temporal UI and `mlx-jobs dlq list`.
 * Workflow-safe: no Node APIs.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { JobSpec } from './job-spec';

export const SA = {
  jobId: defineSearchAttributeKey('MlxJobId', SearchAttributeType.KEYWORD),
  platform: defineSearchAttributeKey('MlxPlatform', SearchAttributeType.KEYWORD),
  clientId: defineSearchAttributeKey('MlxClientId', SearchAttributeType.KEYWORD),
  deadLetter: defineSearchAttributeKey('MlxDeadLetter', SearchAttributeType.BOOL),
  failureType: defineSearchAttributeKey('MlxFailureType', SearchAttributeType.KEYWORD),
  failedStep: defineSearchAttributeKey('MlxFailedStep', SearchAttributeType.KEYWORD),
  /** `profile` while a running job waits for its profile's turn, `person` for an answer; unset otherwise. */
  waitingFor: defineSearchAttributeKey('MlxWaitingFor', SearchAttributeType.KEYWORD),
} as const;

/**
 * What a job can wait for: before it leases, its profile's turn (marked in `MlxWaitingFor`) or a free
 * slot on some worker (its acquireLease task waits in the acquire queue; see jobsWaitingForSlot); while
 * its task runs, a person's answer to the task's question (`MlxWaitingFor = 'person'`).
 */
export type WaitReason = 'profile' | 'slot' | 'person';
export const WAIT_REASONS: readonly WaitReason[] = ['profile', 'slot', 'person'];

/**
 * The visibility query for the jobs waiting for their profile's turn, or for a person's answer to their
 * task's question, now (paste it into the Temporal UI too).
 */
export function waitingQuery(reason: 'profile' | 'person'): string {
  return `MlxWaitingFor = '${reason}' AND ExecutionStatus = 'Running'`;
}

/** A value as a visibility query's string literal. */
export function quoteVisibility(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Name → type, as `temporal operator search-attribute create` and the dev server's flag want them. */
export const SEARCH_ATTRIBUTE_TYPES: Readonly<Record<string, 'Keyword' | 'Bool'>> = Object.fromEntries(
  Object.values(SA).map((key) => [key.name, key.type === SearchAttributeType.BOOL ? 'Bool' : 'Keyword']),
);

/** Set when the job starts: who the job is for, so every run (not only dead letters) is searchable. */
export function jobSearchAttributes(spec: Pick<JobSpec, 'job_id' | 'platform' | 'client_id'>) {
  return [
    { key: SA.jobId, value: spec.job_id },
    { key: SA.platform, value: spec.platform },
    { key: SA.clientId, value: spec.client_id },
  ];
}
