import { type SecretStore } from '../secrets';
import type { LeaseStore } from '../lease';
import type { ProfileSlots } from '../host';
import type { Logger } from '../telemetry';
import type { LauncherClient } from '../mlx';
import type { TaskRegistry } from '../tasks';
import type { StartRetryRules } from '../policies';
import type { EgressPolicy } from '../webhooks';

/** What the activities need from the worker that hosts them; injected so tests can swap any part. */
export interface ActivityDeps {
  workerId: string;
  /** The queue only this worker polls; acquireLease hands it to the workflow. */
  hostTaskQueue: string;
  leases: LeaseStore;
  leaseTtlMs: number;
  launcher: LauncherClient;
  /** Profiles this worker started and has not stopped yet; stopped on worker shutdown. */
  openProfiles: Set<string>;
  /** The cap on jobs (profiles) this worker hosts at once: taken by acquireLease, freed by stopProfile. */
  slots: ProfileSlots;
  headless: boolean;
  cdpHost: string;
  tasks: TaskRegistry;
  secrets: SecretStore;
  webhookTimeoutMs: number;
  /** The secrets a client's webhooks are signed with (newest first); none: sent unsigned. */
  webhookSecrets?: (clientId: string) => readonly string[];
  /** Which callback_url hosts may be http or non-public; by default none. */
  webhookEgress?: EgressPolicy;
  /** Where failed tasks leave their screenshots. */
  artifactsDir: string;
  log: Logger;
  /** Per-type retry rules of startProfile (core download wait, proxy attempts); defaults when unset. */
  startRetry?: StartRetryRules;
}
