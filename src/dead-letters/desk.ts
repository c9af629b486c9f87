import {
  allHandlersFinished,
  condition,
  defineUpdate,
  proxySinks,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type {
  DeadLetterInfo,
  DeadLetterKind,
  DiscardRequest,
  RetryRequest,
  JobFailureInfo,
  JobSpec,
  MlxSinks,
} from '../contract';
import { failure } from '../contract/failures';
import { deadLetterRules } from '../contract/schemas-on-demand';
import { jobSearchAttributes, SA } from '../contract/search-attributes';
import { SPAN_ID_MEMO } from '../contract/span-attributes';

export const retryUpdate = defineUpdate<{ action: 'retry' }, [RetryRequest]>('retry');
export const discardUpdate = defineUpdate<{ action: 'discard' }, [DiscardRequest]>('discard');

export type Decision =
  { action: 'retry'; request: RetryRequest } | { action: 'discard'; reason: string } | { action: 'expire' };

/**
 * Where a job that cannot succeed waits for an operator. The `retry` and `discard` updates are refused
 * (with the reason) unless the job is parked, so a request can never be lost or act on a running job.
 */
export class DeadLetterDesk {
  private parked?: DeadLetterInfo;
  private decision?: Decision;
  private jobSpanId?: string;

  constructor(
    private readonly spec: JobSpec,
    /** Called when the job is parked and when it leaves the desk. */
    private readonly onChange?: () => void,
  ) {
    // Each answer waits until the desk has closed (its timer cancelled, its search attributes written),
    // so the update's completion always follows those commands, whatever instruments the handler: the
    // order replays the same on any worker (an early refused update must not change it).
    setHandler(
      retryUpdate,
      async (request) => {
        this.decision = { action: 'retry', request };
        await condition(() => this.parked === undefined);
        return { action: 'retry' };
      },
      { validator: (request) => this.validateRetry(request) },
    );
    setHandler(
      discardUpdate,
      async (request) => {
        this.decision = { action: 'discard', reason: request.reason };
        await condition(() => this.parked === undefined);
        return { action: 'discard' };
      },
      { validator: (request) => this.validateDiscard(request) },
    );
  }

  /** The job span, which an operator's retry or discard links to: written to the memo when it parks. */
  linkTrace(spanId: string): void {
    this.jobSpanId = spanId;
  }

  get info(): DeadLetterInfo | undefined {
    return this.parked;
  }

  /** Parks the job, findable by its search attributes, until an operator decides or retention ends. */
  async park(
    kind: DeadLetterKind,
    failed: JobFailureInfo,
    options: { retentionMs: number; retries: number; webhookDelivered?: boolean },
  ): Promise<Decision> {
    const now = Date.now();
    this.decision = undefined;
    this.parked = {
      kind,
      failure: failed,
      parked_at: new Date(now).toISOString(),
      expires_at: new Date(now + options.retentionMs).toISOString(),
      retries: options.retries,
      ...(options.webhookDelivered !== undefined && { webhook_delivered: options.webhookDelivered }),
    };
    upsertSearchAttributes([
      ...jobSearchAttributes(this.spec),
      { key: SA.deadLetter, value: true },
      { key: SA.failureType, value: failed.type },
      { key: SA.failedStep, value: failed.step ?? '' },
    ]);
    if (this.jobSpanId) upsertMemo({ [SPAN_ID_MEMO]: this.jobSpanId });
    // Counted by the worker's metrics (a sink, so never again on replay).
    const { mlxMetrics } = proxySinks<MlxSinks>();
    const count = (action: 'parked' | 'retried' | 'discarded' | 'expired') =>
      mlxMetrics.deadLetter({ platform: this.spec.platform, kind, action });
    count('parked');
    this.onChange?.();
    let decision: Decision = { action: 'expire' };
    try {
      const decided = await condition(() => this.decision !== undefined, options.retentionMs);
      if (decided) decision = this.decision!;
    } finally {
      this.parked = undefined;
      upsertSearchAttributes([{ key: SA.deadLetter, value: false }]);
      count(
        decision.action === 'retry' ? 'retried' : decision.action === 'discard' ? 'discarded' : 'expired',
      );
      this.onChange?.();
    }
    // The operator's answer goes out before what the decision leads to (continue-as-new, the end).
    await condition(allHandlersFinished);
    return decision;
  }

  /** A retried job runs as a new run; the failure of the old run must not stick to it. */
  clearFailure(): void {
    upsertSearchAttributes([
      { key: SA.failureType, value: null },
      { key: SA.failedStep, value: null },
    ]);
  }

  private validateRetry(value: unknown): void {
    const parked = this.requireParked();
    const rules = deadLetterRules();
    const request = rules.parseDeadLetterRequest(rules.RetryRequestSchema, value);
    const amends = request.profile_id ?? request.folder_id ?? request.task_input;
    if (parked.kind === 'webhook' && amends !== undefined) {
      throw failure(
        'DeadLetterRequestInvalid',
        'this job finished; only its webhook failed: a retry redelivers the report and cannot amend the job',
      );
    }
    rules.amendedSpec(this.spec, request); // throws JobSpecInvalid, naming the field
  }

  private validateDiscard(value: unknown): void {
    this.requireParked();
    const rules = deadLetterRules();
    rules.parseDeadLetterRequest(rules.DiscardRequestSchema, value);
  }

  private requireParked(): DeadLetterInfo {
    if (!this.parked || this.decision) {
      throw failure(
        'DeadLetterRequestInvalid',
        `job ${this.spec.job_id} (run ${workflowInfo().runId}) is not waiting as a dead letter`,
      );
    }
    return this.parked;
  }
}
