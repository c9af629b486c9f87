import { connectProfileBrowser, type ConnectedBrowser } from '../../src/cdp';
import type { WebhookBody } from '../../src/contract';
import type { LeaseStore } from '../../src/lease';
import type { LauncherClient } from '../../src/mlx';
import type { SecretStore } from '../../src/secrets';
import { silentLogger } from '../../src/telemetry';
import { DEFAULT_TASK_LIMITS, syncOrders } from '../../src/tasks';
import { signWebhook } from '../../src/webhooks';
import { runSevenSteps, type DirectJob, type SevenSteps, type StepTimes } from './step-order';

export type { StepTimes } from './step-order';

export interface DirectDeps {
  leases: LeaseStore;
  leaseTtlMs: number;
  launcher: LauncherClient;
  secrets: SecretStore;
  webhookUrl: string;
  webhookSecret: string;
  /** Who runs the steps: the lease owner is `bench-<as>`, the webhook's idempotency key names it. Default `direct`. */
  as?: string;
}

/**
 * The job's seven steps as plain functions, without Temporal: lease the profile, start it, probe it
 * over CDP (version and pages), run sync_orders on that same connection, stop the profile and free the
 * lease while the signed webhook is posted. `runDirect` calls them in that order (the baseline of
 * scenario 2); the floor's bare SDK workflow (bench/floor/workflows.ts) calls each as an activity.
 */
export function directSteps(deps: DirectDeps): SevenSteps {
  // The probe's connection, kept for the task that follows, as the production worker keeps it.
  const connections = new Map<string, ConnectedBrowser>();
  return {
    async acquireLease(job: DirectJob): Promise<number> {
      const owner = { worker_id: `bench-${deps.as ?? 'direct'}`, job_id: job.job_id };
      const lease = await deps.leases.acquire(job.profile_id, owner, deps.leaseTtlMs);
      if (!lease) throw new Error(`profile ${job.profile_id} is leased`);
      return lease.token;
    },
    async startProfile(job: DirectJob): Promise<number> {
      const started = await deps.launcher.startProfile({
        folderId: 'folder-bench',
        profileId: job.profile_id,
        headless: true,
      });
      return started.port;
    },
    async cdpConnect(job: DirectJob, port: number): Promise<{ version: string; pages: number }> {
      const attached = await connectProfileBrowser('127.0.0.1', port);
      connections.set(job.job_id, attached);
      // What cdpConnect reports: the browser's version and its open pages.
      const pages = attached.browser.contexts().reduce((sum, c) => sum + c.pages().length, 0);
      return { version: attached.browserVersion, pages };
    },
    async executeTask(job: DirectJob, input: unknown): Promise<unknown> {
      const attached = connections.get(job.job_id);
      if (!attached) throw new Error(`job ${job.job_id} has no CDP connection`);
      connections.delete(job.job_id);
      const { browser } = attached;
      try {
        const context = browser.contexts()[0] ?? (await browser.newContext());
        const page = context.pages()[0] ?? (await context.newPage());
        const result = await syncOrders.run(
          {
            job: { ...job, platform: 'shopee_my', client_id: 'client-42', attempt: 1 },
            browser,
            context,
            page,
            secrets: deps.secrets,
            limits: DEFAULT_TASK_LIMITS,
            signal: new AbortController().signal,
            log: silentLogger,
            heartbeat: () => undefined,
            ask: () => Promise.reject(new Error('the bench account asks nothing')),
            span: (_name, fn) => fn(),
          },
          syncOrders.input.parse(input),
        );
        return syncOrders.output.parse(result);
      } finally {
        await browser.close();
      }
    },
    async stopProfile(job: DirectJob): Promise<void> {
      const attached = connections.get(job.job_id);
      connections.delete(job.job_id);
      await attached?.browser.close();
      await deps.launcher.stopProfile(job.profile_id);
    },
    async releaseLease(job: DirectJob, token: number): Promise<void> {
      await deps.leases.release(job.profile_id, token);
    },
    postWebhook: (job: DirectJob, output: unknown) => postSigned(deps, job, output),
  };
}

/** The seven steps in a row, timed on this process's clock: what a plain script does. */
export function runDirect(steps: SevenSteps, job: DirectJob, input: unknown): Promise<StepTimes> {
  return runSevenSteps(steps, job, input, () => performance.now());
}

async function postSigned(deps: DirectDeps, job: DirectJob, output: unknown): Promise<void> {
  const body: WebhookBody = {
    job_id: job.job_id,
    status: 'completed',
    platform: 'shopee_my',
    client_id: 'client-42',
    profile_id: job.profile_id,
    task: syncOrders.name,
    output,
    workflow_id: '',
    run_id: '',
  };
  const payload = JSON.stringify(body);
  const idempotencyKey = `${job.job_id}:${deps.as ?? 'direct'}:completed`;
  const response = await fetch(deps.webhookUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'idempotency-key': idempotencyKey,
      'user-agent': 'mlx-jobs-bench',
      ...signWebhook([deps.webhookSecret], idempotencyKey, payload),
    },
    body: payload,
  });
  await response.body?.cancel();
  if (!response.ok) throw new Error(`webhook answered ${response.status}`);
}
