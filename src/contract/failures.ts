/**
 * The one error taxonomy. Every failure a job can meet is an ApplicationFailure whose `type` is a key
 * of ERROR_TYPES. Whether Temporal retries it is decided by the retry policy of the activity, whose
 * `nonRetryableErrorTypes` default to the types marked `retryable: false` here.
 *
 * This module is imported by workflow code: keep it free of Node APIs and I/O.
 */
import { ApplicationFailure } from '@temporalio/common';

interface ErrorTypeInfo {
  readonly retryable: boolean;
  readonly description: string;
}

export const ERROR_TYPES = {
  JobSpecInvalid: { retryable: false, description: 'the job spec does not match the schema' },
  PayloadNotEncrypted: {
    retryable: false,
    description:
      "the workflow's input was not encrypted with one of the worker's payload keys (MLX_PAYLOAD_ALLOW_PLAINTEXT)",
  },
  ProfileLeased: { retryable: true, description: 'another worker holds the profile lease' },
  LeaseLost: {
    retryable: false,
    description:
      "this attempt's lease on the profile expired, was taken over, or could not be renewed or confirmed in time (the lease store unreachable): its host stops driving the profile and the job leases it again",
  },
  WorkerAtCapacity: {
    retryable: true,
    description:
      'this worker already has MLX_MAX_OPEN_PROFILES profiles open; another worker or a later slot takes the job',
  },
  MlxAgentDown: {
    retryable: true,
    description: 'the MLX launcher does not answer (connection refused, timeout)',
  },
  MlxProfileAlreadyRunning: {
    retryable: true,
    description: 'the launcher says the profile is already running',
  },
  MlxProfileLocked: { retryable: true, description: 'the profile is locked by another machine' },
  MlxCoreDownloading: { retryable: true, description: 'the launcher is downloading the browser core' },
  MlxProxyFailed: { retryable: true, description: "the profile's proxy could not be reached" },
  MlxRateLimited: { retryable: true, description: 'the MLX API rate limit was hit' },
  MlxUnauthorized: { retryable: false, description: 'the MLX token is invalid or expired' },
  MlxWrongBrowserType: {
    retryable: false,
    description: 'the profile browser cannot be driven by Playwright',
  },
  MlxTlsFailed: {
    retryable: false,
    description: "the launcher's TLS certificate is not trusted (see MLX_LAUNCHER_CA_FILE)",
  },
  MlxRequestFailed: { retryable: true, description: 'the launcher answered with an error not listed above' },
  MlxBadResponse: { retryable: true, description: 'the launcher answered with a body that does not parse' },
  CdpUnreachable: { retryable: true, description: 'the browser does not answer on its CDP port' },
  BrowserCrashed: {
    retryable: true,
    description:
      "the profile's browser exited or dropped its CDP connection during the task: the job stops the profile and starts it again",
  },
  TaskUnknown: { retryable: false, description: 'no task of that name is registered on the worker' },
  TaskInputInvalid: { retryable: false, description: 'the task input does not match the task schema' },
  TaskOutputInvalid: {
    retryable: false,
    description: 'the task returned an output that does not match its schema',
  },
  TaskSecretMissing: { retryable: false, description: 'a credential the task refers to is not configured' },
  TaskFailed: { retryable: true, description: 'the task code threw an error' },
  TaskLimitExceeded: {
    retryable: false,
    description: 'the task reached a configured cap on pages, rows or export bytes (MLX_TASK_MAX_*)',
  },
  HumanAnswerTimeout: {
    retryable: false,
    description:
      "the task asked a person (ctx.ask) and no answer came within the question's timeout or the job's bound on waiting for answers",
  },
  AnswerRefused: {
    retryable: false,
    description:
      "an operator's answer was refused: the job asks nothing now, or that question was answered already or timed out",
  },
  CredentialNotAllowed: {
    retryable: false,
    description:
      "the job's client may not use the credential, or the task would type it into an origin the credential does not list",
  },
  ProfileNotAllowed: {
    retryable: false,
    description: "the profile is not one of the job's client's profiles (MLX_PROFILE_OWNERS)",
  },
  JobConflict: {
    retryable: false,
    description: 'a job with this job_id was already submitted with a different spec',
  },
  PlatformAuthFailed: { retryable: false, description: 'the platform refused the login' },
  PlatformBanned: { retryable: false, description: 'the platform banned or suspended the account' },
  PayloadStoreUnavailable: {
    retryable: true,
    description:
      'the claim-check store could not keep or return a payload too large for history (a full disk, an unwritable directory, its Redis down)',
  },
  PayloadMissing: {
    retryable: false,
    description:
      'a claim-check blob a payload refers to is gone or altered (swept after its retention, written to another store, changed on disk)',
  },
  WebhookRejected: { retryable: false, description: 'the webhook receiver refused the delivery (4xx)' },
  WebhookUnavailable: { retryable: true, description: 'the webhook receiver is down, slow or overloaded' },
  WebhookTargetNotAllowed: {
    retryable: false,
    description:
      'callback_url is not https, carries credentials, or resolves to a non-public address not on the allowlist',
  },
  JobDeadlineExceeded: { retryable: false, description: "the job did not end within its spec's deadline_ms" },
  DeadLetterRequestInvalid: {
    retryable: false,
    description: "an operator's retry or discard request for a dead letter is malformed or not allowed",
  },
  DeadLetterDiscarded: { retryable: false, description: 'an operator discarded the dead letter' },
  DeadLetterExpired: {
    retryable: false,
    description: 'nobody retried or discarded the dead letter within its retention',
  },
} as const satisfies Record<string, ErrorTypeInfo>;

export type ErrorType = keyof typeof ERROR_TYPES;

export const NON_RETRYABLE_ERROR_TYPES: readonly ErrorType[] = (
  Object.keys(ERROR_TYPES) as ErrorType[]
).filter((type) => !ERROR_TYPES[type].retryable);

export function isErrorType(value: unknown): value is ErrorType {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_TYPES, value);
}

export interface FailureOptions {
  /** Extra facts for operators; must never hold secrets. */
  details?: Record<string, unknown>;
  cause?: Error;
  /** Overrides the retry policy's next delay (e.g. from a Retry-After header). */
  nextRetryDelayMs?: number;
  /** Ends retrying whatever the type's default (e.g. a retry budget of that type is spent). */
  nonRetryable?: boolean;
}

/** Builds the failure for one taxonomy type. Retry decisions are left to the activity's retry policy. */
export function failure(type: ErrorType, message: string, options: FailureOptions = {}): ApplicationFailure {
  return ApplicationFailure.create({
    type,
    message,
    details: options.details ? [options.details] : undefined,
    cause: options.cause,
    nextRetryDelay: options.nextRetryDelayMs,
    nonRetryable: options.nonRetryable,
  });
}

/** The taxonomy type of any error, or undefined when it is not one of ours. */
export function errorTypeOf(err: unknown): ErrorType | undefined {
  if (err instanceof ApplicationFailure && isErrorType(err.type)) return err.type;
  return undefined;
}

/** Keeps taxonomy failures as they are and wraps anything else as `fallback`. */
export function asFailure(err: unknown, fallback: ErrorType): ApplicationFailure {
  if (err instanceof ApplicationFailure && isErrorType(err.type)) return err;
  const cause = err instanceof Error ? err : undefined;
  const message = err instanceof Error ? err.message : String(err);
  return failure(fallback, message, { cause });
}
