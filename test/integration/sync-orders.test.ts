import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import {
  DEFAULT_ORDERS,
  filterOrders,
  generateOrders,
  ORDERS_PAGE_SIZE,
  startSellerCentre,
  type OrderFilter,
  type SellerCentre,
} from '../../src/demo/seller-centre';
import { silentLogger } from '../../src/telemetry';
import type { SecretStore } from '../../src/secrets';
import { syncOrders, type SyncOrdersInput } from '../../src/tasks/sync-orders';
import { DEFAULT_TASK_LIMITS, type TaskContext, type TaskLimits } from '../../src/tasks';
import { jobSecrets, loopbackCredential } from '../helpers/credentials';
import { CHROMIUM_FLAGS } from '../../src/launcher';

const PASSWORD = 'correct horse battery staple';
const ACCOUNTS = {
  acme: { username: 'acme_shop', password: PASSWORD },
  acme_wrong: { username: 'acme_shop', password: 'not-the-password' },
  banned: { username: 'banned_shop', password: PASSWORD },
};
/** What the tasks see: these credentials, checked for the seller centre's origin (set once it runs). */
let secrets: SecretStore;
const ALL_ORDERS = generateOrders(DEFAULT_ORDERS);
// Without crashpad, Debian's Chromium 156 kills its out-of-process network service and every load fails
// with ERR_ABORTED; the local launcher works around it the same way.

interface Run {
  ctx: TaskContext;
  heartbeats: Record<string, unknown>[];
  /** Names of the child spans the task opened, in order. */
  spans: string[];
  abort: AbortController;
}

function taskContext(
  browser: Browser,
  context: BrowserContext,
  page: TaskContext['page'],
  limits: TaskLimits = DEFAULT_TASK_LIMITS,
): Run {
  const heartbeats: Record<string, unknown>[] = [];
  const spans: string[] = [];
  const abort = new AbortController();
  const ctx: TaskContext = {
    job: {
      job_id: 'job-1',
      profile_id: 'profile-1',
      platform: 'shopee_my',
      client_id: 'client-1',
      attempt: 1,
    },
    browser,
    context,
    page,
    secrets,
    limits,
    signal: abort.signal,
    log: silentLogger,
    heartbeat: (progress) => heartbeats.push(progress ?? {}),
    ask: () => Promise.reject(new Error('these accounts ask for no code')),
    span: (name, fn) => {
      spans.push(name);
      return fn();
    },
  };
  return { ctx, heartbeats, spans, abort };
}

function expectedOrders(filter: OrderFilter) {
  return filterOrders(ALL_ORDERS, filter).sort((a, b) => a.id.localeCompare(b.id));
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  assert.ok(err instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(err)}`);
  return err;
}

// A bound on the whole group, not on each test: under load (a suite run at load 18) the ten tests of
// sync-orders.test.ts took more than a minute between them.
void describe('sync_orders against the demo seller centre', { timeout: 240_000 }, () => {
  let centre: SellerCentre;
  let browser: Browser;
  let context: BrowserContext | undefined;

  before(async () => {
    centre = await startSellerCentre({ accounts: { acme_shop: PASSWORD, banned_shop: PASSWORD } });
    const credentials = Object.fromEntries(
      Object.entries(ACCOUNTS).map(([ref, fields]) => [
        ref,
        loopbackCredential(centre.url, fields, ['client-1']),
      ]),
    );
    const uses = Object.keys(ACCOUNTS).map((account) => ({ account, url: centre.url }));
    secrets = jobSecrets(credentials, uses, 'client-1');
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [...CHROMIUM_FLAGS],
      headless: true,
    });
  });

  afterEach(async () => {
    await context?.close();
    context = undefined;
  });

  after(async () => {
    try {
      await browser?.close();
    } finally {
      await centre?.close();
    }
  });

  async function freshRun(limits?: TaskLimits): Promise<Run & { loginRequests: string[] }> {
    context = await browser.newContext();
    const loginRequests: string[] = [];
    context.on('request', (request) => {
      if (new URL(request.url()).pathname === '/login') loginRequests.push(request.method());
    });
    return { ...taskContext(browser, context, await context.newPage(), limits), loginRequests };
  }

  function input(overrides: Partial<SyncOrdersInput> = {}): SyncOrdersInput {
    return syncOrders.input.parse({
      seller_centre_url: centre.url,
      account: 'acme',
      from: '2024-01-03',
      to: '2024-01-24',
      ...overrides,
    });
  }

  void it('signs in, walks every page and returns exactly the orders of the range', async () => {
    const run = await freshRun();
    const result = await syncOrders.run(run.ctx, input());

    const expected = expectedOrders({ from: '2024-01-03', to: '2024-01-24' });
    const pages = Math.ceil(expected.length / ORDERS_PAGE_SIZE);
    assert.ok(pages > 1, 'the range spans several pages');
    assert.deepEqual(
      [...result.rows].sort((a, b) => a.id.localeCompare(b.id)),
      expected,
    );
    assert.equal(result.count, expected.length);
    assert.equal(result.export_count, result.count);
    assert.equal(result.pages, pages);
    assert.equal(result.from, '2024-01-03');
    assert.equal(result.to, '2024-01-24');
    assert.deepEqual(
      run.heartbeats,
      Array.from({ length: pages }, (_, i) => ({
        page: i + 1,
        rows_so_far: Math.min((i + 1) * ORDERS_PAGE_SIZE, expected.length),
      })),
    );
    assert.ok(run.loginRequests.includes('POST'), 'the login form was submitted');
    assert.deepEqual(run.spans, ['sync_orders.sign_in', 'sync_orders.read_list', 'sync_orders.export']);
    assert.ok(!JSON.stringify(result).includes(PASSWORD));
    assert.deepEqual(syncOrders.output.parse(result), result);
  });

  void it('applies a status filter', async () => {
    const run = await freshRun();
    const result = await syncOrders.run(
      run.ctx,
      input({ from: '2024-01-01', to: '2024-01-30', status: 'to_ship' }),
    );
    const expected = expectedOrders({ from: '2024-01-01', to: '2024-01-30', status: 'to_ship' });
    assert.ok(expected.length > 0);
    assert.deepEqual(
      [...result.rows].sort((a, b) => a.id.localeCompare(b.id)),
      expected,
    );
    assert.equal(result.export_count, expected.length);
  });

  void it('reuses the session cookie on a second run in the same context', async () => {
    const run = await freshRun();
    await syncOrders.run(run.ctx, input({ from: '2024-01-20', to: '2024-01-22' }));
    assert.deepEqual(run.loginRequests, ['GET', 'POST'], 'the first run signs in');
    run.loginRequests.length = 0;

    const second = await syncOrders.run(run.ctx, input({ from: '2024-01-20', to: '2024-01-22' }));
    assert.deepEqual(run.loginRequests, [], 'no login form on the second run');
    assert.equal(run.spans.filter((name) => name === 'sync_orders.sign_in').length, 1, 'signed in once');
    assert.equal(second.count, expectedOrders({ from: '2024-01-20', to: '2024-01-22' }).length);
  });

  void it('fails with TaskFailed when the CSV export disagrees with the order list', async () => {
    const run = await freshRun();
    // Drop the last order from the export on its way to the browser.
    await run.ctx.context.route('**/orders/export.csv*', async (route) => {
      const response = await route.fetch();
      const lines = (await response.text()).trimEnd().split('\r\n');
      await route.fulfill({ response, body: lines.slice(0, -1).join('\r\n') + '\r\n' });
    });
    const err = await failureOf(syncOrders.run(run.ctx, input({ from: '2024-01-10', to: '2024-01-11' })));
    assert.equal(err.type, 'TaskFailed');
    assert.match(err.message, /1 missing from the export/);
  });

  void it('fails with PlatformAuthFailed on a wrong password, without revealing it', async () => {
    const run = await freshRun();
    const err = await failureOf(syncOrders.run(run.ctx, input({ account: 'acme_wrong' })));
    assert.equal(err.type, 'PlatformAuthFailed');
    assert.match(err.message, /acme_wrong.*Invalid username or password/);
    assert.doesNotMatch(err.message, /not-the-password/);
    assert.equal(run.heartbeats.length, 0);
  });

  void it('fails with PlatformBanned on a suspended account', async () => {
    const run = await freshRun();
    const err = await failureOf(syncOrders.run(run.ctx, input({ account: 'banned' })));
    assert.equal(err.type, 'PlatformBanned');
  });

  void it('gets no credential its job was not checked for (CredentialNotAllowed)', async () => {
    const run = await freshRun();
    const err = await failureOf(syncOrders.run(run.ctx, input({ account: 'nobody' })));
    assert.equal(err.type, 'CredentialNotAllowed');
    assert.match(err.message, /"nobody"/);
  });

  void it('stops at its caps on pages, rows and export bytes, naming the cap (TaskLimitExceeded)', async () => {
    const range = { from: '2024-01-03', to: '2024-01-24' };
    for (const [limits, cap] of [
      [{ ...DEFAULT_TASK_LIMITS, pages: 1 }, /limit of 1 pages \(MLX_TASK_MAX_PAGES\)/],
      [{ ...DEFAULT_TASK_LIMITS, rows: 5 }, /limit of 5 rows \(MLX_TASK_MAX_ROWS\)/],
      [
        { ...DEFAULT_TASK_LIMITS, exportBytes: 1024 },
        /limit of 1024 export bytes \(MLX_TASK_MAX_EXPORT_BYTES\)/,
      ],
    ] as const) {
      const run = await freshRun(limits);
      const err = await failureOf(syncOrders.run(run.ctx, input(range)));
      assert.equal(err.type, 'TaskLimitExceeded');
      assert.match(err.message, cap);
      await context?.close();
      context = undefined;
    }
  });

  void it('stops after the current page once the signal is aborted', async () => {
    const run = await freshRun();
    const ctx: TaskContext = {
      ...run.ctx,
      heartbeat: (progress) => {
        run.heartbeats.push(progress ?? {});
        run.abort.abort(new Error('job cancelled'));
      },
    };
    await assert.rejects(syncOrders.run(ctx, input()), /job cancelled/);
    assert.equal(run.heartbeats.length, 1);
  });

  void it('refuses input whose range is reversed, too long or not dates, naming the field', () => {
    const base = { seller_centre_url: 'http://127.0.0.1:1', account: 'acme' };
    const paths = (value: object) => {
      const parsed = syncOrders.input.safeParse({ ...base, ...value });
      assert.equal(parsed.success, false);
      return parsed.error?.issues.map((issue) => issue.path.join('.'));
    };
    assert.deepEqual(paths({ from: '2024-01-10', to: '2024-01-01' }), ['from']);
    assert.deepEqual(paths({ from: '2024-01-01', to: '2024-06-01' }), ['to']);
    assert.deepEqual(paths({ from: '2024-02-30', to: '2024-01-01' }), ['from']);
    assert.deepEqual(
      paths({ seller_centre_url: 'file:///etc/passwd', from: '2024-01-01', to: '2024-01-01' }),
      ['seller_centre_url'],
    );
    assert.deepEqual(paths({ from: '2024-01-01', to: '2024-01-02', status: 'lost' }), ['status']);
    assert.ok(
      syncOrders.input.safeParse({ ...base, from: '2024-01-01', to: '2024-04-02' }).success,
      '93 days',
    );
  });
});
