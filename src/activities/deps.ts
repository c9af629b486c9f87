import { type SecretStore } from '../secrets';
import type { LeaseStore } from '../lease';
import type { OpenProfiles, ProfileSlots } from '../host';
import type { Logger } from '../telemetry';
import type { LauncherClient } from '../mlx';
import type { KeptConnections } from '../cdp';
import type { TaskRegistry } from '../tasks';
import type { StartRetryRules } from '../policies';

/** What the activities need from the worker that hosts them; injected so tests can swap any part. */
export interface ActivityDeps {
  workerId: string;
  /** The queue only this worker polls; acquireLease hands it to the workflow. */
  hostTaskQueue: string;
  leases: LeaseStore;
  leaseTtlMs: number;
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
  cdpHost: string;
  /** cdpConnect's connection, kept for the task that follows on this host. */
  connections: KeptConnections;
  tasks: TaskRegistry;
  secrets: SecretStore;
  webhookTimeoutMs: number;
  /** Signs webhook bodies (HMAC-SHA256 with a timestamp) when set. */
  webhookSecret?: string;
  /** Where failed tasks leave their screenshots. */
  artifactsDir: string;
  log: Logger;
  /** Per-type retry rules of startProfile (core download wait, proxy attempts); defaults when unset. */
  startRetry?: StartRetryRules;
}
