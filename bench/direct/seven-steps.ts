import { connectProfileBrowser } from '../../src/cdp';
import type { WebhookBody } from '../../src/contract';
import type { LeaseStore } from '../../src/lease';
import type { LauncherClient } from '../../src/mlx';
import type { SecretStore } from '../../src/secrets';
import { silentLogger } from '../../src/telemetry';
import { DEFAULT_TASK_LIMITS, syncOrders } from '../../src/tasks';
import { signWebhook } from '../../src/webhooks';

export interface DirectDeps {
  leases: LeaseStore;
  leaseTtlMs: number;
  launcher: LauncherClient;
  secrets: SecretStore;
  webhookUrl: string;
  webhookSecret: string;
}

/** What each step of one direct run took, in ms, by the production step names. */
export type StepTimes = Record<string, number>;

/**
 * The job's seven steps as a plain script would do them, without Temporal: lease the profile, start it,
 * probe it over CDP (version and pages), run sync_orders on that same connection, stop the profile,
 * free the lease, post the signed webhook. The baseline of scenario 2.
 */
export async function runDirect(
  deps: DirectDeps,
  job: { job_id: string; profile_id: string },
  input: unknown,
): Promise<StepTimes> {
  const times: StepTimes = {};
  const timed = async <T>(step: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      times[step] = performance.now() - t0;
    }
  };
  const owner = { worker_id: 'bench-direct', job_id: job.job_id };
  const lease = await timed('acquireLease', () =>
    deps.leases.acquire(job.profile_id, owner, deps.leaseTtlMs),
  );
  if (!lease) throw new Error(`profile ${job.profile_id} is leased`);
  let output: unknown;
  try {
    const { port } = await timed('startProfile', () =>
      deps.launcher.startProfile({ folderId: 'folder-bench', profileId: job.profile_id, headless: true }),
    );
    try {
      const { browser } = await timed('cdpConnect', async () => {
        const attached = await connectProfileBrowser('127.0.0.1', port);
        // What cdpConnect reports: the browser's version and its open pages.
        const pages = attached.browser.contexts().reduce((sum, c) => sum + c.pages().length, 0);
        return { ...attached, pages };
      });
      try {
        output = await timed('executeTask', async () => {
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
              span: (_name, fn) => fn(),
            },
            syncOrders.input.parse(input),
          );
          return syncOrders.output.parse(result);
        });
      } finally {
        await browser.close();
      }
    } finally {
      await timed('stopProfile', () => deps.launcher.stopProfile(job.profile_id));
    }
  } finally {
    await timed('releaseLease', () => deps.leases.release(job.profile_id, lease.token));
  }
  await timed('postWebhook', () => postSigned(deps, job, output));
  return times;
}

async function postSigned(deps: DirectDeps, job: { job_id: string; profile_id: string }, output: unknown) {
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
  const idempotencyKey = `${job.job_id}:direct:completed`;
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
