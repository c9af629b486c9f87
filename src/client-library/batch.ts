import type { Client } from '@temporalio/client';
import type { JobSpec } from '../contract';
import { checkSpec } from './check-spec';
import { forEachConcurrently } from './concurrency';
import { startJob, type StartedJob, type StartJobOptions } from './jobs';
import type { FileRecord, ReadRecords, RecordProblem } from './records';

/** Starts this many jobs at once unless told otherwise. */
export const DEFAULT_BATCH_CONCURRENCY = 16;

export interface BatchOptions extends StartJobOptions {
  /** How many submissions are in flight at once (default 16). */
  concurrency?: number;
  /** Start the valid lines even when others are bad (by default a bad line stops the whole batch). */
  skipInvalid?: boolean;
  /** Called after each submission. */
  onProgress?: (progress: BatchProgress) => void;
}

export interface BatchProgress {
  total: number;
  created: number;
  existed: number;
  errors: number;
}

export interface BatchJob extends StartedJob {
  line?: number;
}

export interface BatchSubmission {
  /** Lines that were not submitted: not JSON, a bad field (named), a job_id twice in the batch. */
  invalid: RecordProblem[];
  /** False when bad lines stopped the batch before anything was submitted. */
  submitted: boolean;
  /** Every submitted job, in file order; `created: false` for a job_id whose run already existed. */
  jobs: BatchJob[];
  /** Jobs Temporal did not accept (e.g. the server was unreachable): nothing was started for them. */
  errors: { line?: number; job_id: string; message: string }[];
}

export interface ValidBatch {
  specs: { line?: number; spec: JobSpec }[];
  invalid: RecordProblem[];
}

/**
 * Every record checked as startJob would check it (checkSpec), and no job_id twice: what would start,
 * and every problem with its line and field.
 */
export function validateBatch(batch: ReadRecords, options: Pick<StartJobOptions, 'policy'> = {}): ValidBatch {
  const result: ValidBatch = { specs: [], invalid: [...batch.problems] };
  const lineOf = new Map<string, number | undefined>();
  for (const { line, value } of batch.records) {
    const checked = checkSpec(value, options.policy);
    if (!checked.spec) {
      result.invalid.push(...checked.problems.map((message) => ({ line, message })));
      continue;
    }
    const { job_id } = checked.spec;
    if (lineOf.has(job_id)) {
      const first = lineOf.get(job_id);
      result.invalid.push({
        line,
        message: `job_id: "${job_id}" is already in this batch${first ? ` on line ${first}` : ''}`,
      });
      continue;
    }
    lineOf.set(job_id, line);
    result.specs.push({ line, spec: checked.spec });
  }
  result.invalid.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return result;
}

/** Plain specs as a batch: the n-th spec is line n. */
export function batchOf(specs: readonly unknown[]): ReadRecords {
  return { records: specs.map((value, i): FileRecord => ({ line: i + 1, value })), problems: [] };
}

/**
 * Validates the whole batch first; if any line is bad nothing starts (unless `skipInvalid`). Then starts
 * every job through startJob with bounded concurrency. Idempotent like startJob: a job_id whose run is
 * open or completed is not started again but reported with `created: false`.
 */
export async function submitBatch(
  client: Client,
  batch: ReadRecords,
  options: BatchOptions,
): Promise<BatchSubmission> {
  const { specs, invalid } = validateBatch(batch, options);
  if (invalid.length && !options.skipInvalid) return { invalid, submitted: false, jobs: [], errors: [] };
  const jobs = new Array<BatchJob | undefined>(specs.length);
  const errors: BatchSubmission['errors'] = [];
  const progress: BatchProgress = { total: specs.length, created: 0, existed: 0, errors: 0 };
  await forEachConcurrently(
    specs,
    options.concurrency ?? DEFAULT_BATCH_CONCURRENCY,
    async ({ line, spec }, i) => {
      try {
        const started = await startJob(client, spec, options);
        jobs[i] = { ...started, line };
        progress[started.created ? 'created' : 'existed']++;
      } catch (err) {
        errors.push({ line, job_id: spec.job_id, message: err instanceof Error ? err.message : String(err) });
        progress.errors++;
      }
      options.onProgress?.({ ...progress });
    },
  );
  return {
    invalid,
    submitted: true,
    jobs: jobs.filter((job): job is BatchJob => job !== undefined),
    errors: errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)),
  };
}
