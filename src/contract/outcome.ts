/** What a job ends with: its result, its typed failure, and the report POSTed to callback_url. */
import type { StepName, StepRecord } from './steps';

/** A file kept in the claim-check blob store (sealed with the payload codecs), by store and key. */
export interface StoredFile {
  /** The file's name (one path part), as an operator gets it. */
  name: string;
  store: 'fs' | 'redis';
  /** The SHA-256 of the sealed bytes, hex: the blob's key. */
  key: string;
  /** The file's own size in bytes (before sealing). */
  size: number;
}

export interface JobFailureInfo {
  /** A taxonomy type (ErrorType), or Temporal's own (e.g. Timeout.START_TO_CLOSE, Cancelled). */
  type: string;
  message: string;
  step?: StepName;
  /**
   * What the page showed when a task failed: screenshot and Playwright trace paths on the worker, URL
   * (no query), title.
   */
  evidence?: {
    screenshot?: string;
    trace?: string;
    url: string;
    title: string;
    /** The same files in the claim-check store, sealed: `mlx-jobs dlq show JOB_ID --evidence DIR` fetches them. */
    stored?: StoredFile[];
  };
  /** How a dead letter ended without a retry: discarded by an operator (and why), or left to expire. */
  dead_letter?: { outcome: 'discarded' | 'expired'; reason?: string };
}

export interface JobResult {
  job_id: string;
  status: 'completed';
  task: string;
  worker_id: string;
  output: unknown;
  steps: StepRecord[];
}

/** The body POSTed to callback_url. */
export interface WebhookBody {
  job_id: string;
  status: 'completed' | 'failed' | 'cancelled';
  platform: string;
  client_id: string;
  profile_id: string;
  task: string;
  output?: unknown;
  error?: JobFailureInfo;
  workflow_id: string;
  run_id: string;
}
