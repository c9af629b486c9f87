import type { CredentialStore, ProfileOwners } from '../secrets';
import type { LeaseStore } from '../lease';
import type { LeaseRecords, OpenProfiles, PendingQuestions, ProfileSlots } from '../host';
import type { Logger } from '../telemetry';
import type { LauncherClient } from '../mlx';
import type { KeptConnections } from '../cdp';
import type { TaskLimits, TaskRegistry } from '../tasks';
import type { PolicyConfig, StartRetryRules } from '../policies';
import type { EgressPolicy } from '../webhooks';
import type { FileKeeping } from '../payload-codec/stored-files';
import type { TraceDetail } from './trace-recording';

/** What the activities need from the worker that hosts them; injected so tests can swap any part. */
export interface ActivityDeps {
  workerId: string;
  /** The queue only this worker polls; acquireLease hands it to the workflow. */
  hostTaskQueue: string;
  leases: LeaseStore;
  leaseTtlMs: number;
  /** What the host's lease renewal last learnt of each lease a running step watches. */
  leaseRecords: LeaseRecords;
  launcher: LauncherClient;
  /**
   * Several workers drive this launcher (one MLX agent, several workers on its machine): a profile the
   * launcher runs may be another worker's. False for the embedded launcher and one worker per agent.
   */
  launcherShared: boolean;
  /** Profiles this worker started and has not stopped yet, with the job that opened each. */
  profiles: OpenProfiles;
  /** The cap on jobs (profiles) this worker hosts at once: taken by acquireLease, freed by stopProfile. */
  slots: ProfileSlots;
  headless: boolean;
  /**
   * How long a browser whose job's task completed stays open for the next job on its profile
   * (MLX_PROFILE_LINGER_MS); 0 or unset: stopped at once.
   */
  lingerMs?: number;
  cdpHost: string;
  /** The answers this worker's tasks wait for (ctx.ask), delivered by deliverAnswer. */
  questions: PendingQuestions;
  /** cdpConnect's connection, kept for the task that follows on this host. */
  connections: KeptConnections;
  tasks: TaskRegistry;
  /** The task credentials, each bound to its origins and clients. */
  secrets: CredentialStore;
  /** The step policies and bounds a run's input is checked against (as clients do); defaults when unset. */
  policy?: PolicyConfig;
  /** Which client owns which profile; unset: profiles are not bound to clients. */
  profileOwners?: ProfileOwners;
  /** Caps on one task run's pages, rows and export bytes. */
  taskLimits?: TaskLimits;
  webhookTimeoutMs: number;
  /** The secrets a client's webhooks are signed with (newest first); none: sent unsigned. */
  webhookSecrets?: (clientId: string) => readonly string[];
  /** Which callback_url hosts may be http or non-public; by default none. */
  webhookEgress?: EgressPolicy;
  /** Where failed tasks leave their screenshots and traces. */
  artifactsDir: string;
  /**
   * Where the screenshots are also kept, sealed, for operators on other machines (`dlq show --evidence`):
   * the claim-check store and the payload codecs. Unset: only the local copy.
   */
  evidenceStore?: FileKeeping;
  /** How long screenshots and traces are kept (MLX_ARTIFACTS_RETENTION_MS); 7 days when unset. */
  artifactsRetentionMs?: number;
  /** Links a run's details in the Temporal UI to its trace (MLX_TRACE_URL_TEMPLATE); unset: no link. */
  traceUrlTemplate?: string;
  /**
   * Each attempt records a Playwright trace of `detail`, kept beside the screenshot when it fails, up to
   * `maxBytes` (MLX_TRACE_FAILED_ATTEMPTS, MLX_TRACE_MAX_BYTES); `actions`, 50 MiB, when unset.
   */
  failureTrace?: { detail: TraceDetail | 'off'; maxBytes: number };
  log: Logger;
  /** Per-type retry rules of startProfile (core download wait, proxy attempts); defaults when unset. */
  startRetry?: StartRetryRules;
}
