/** The seller centre's pages as the task knows them: which screen shows, signing in, filters, paging. */
import type { Locator, Page } from 'playwright-core';
import { z } from 'zod';
import { failure, formatIssues } from '../../contract';
import { redactedPrintable } from '../../telemetry';
import type { TaskContext } from '../task-definition';
import { orderRow, type SyncedOrder, type SyncOrdersInput } from './schemas';

export const TIMEOUT_MS = 20_000;

/** The task reached one of its caps (MLX_TASK_MAX_*): the job fails, not retried, naming the cap. */
export function limitExceeded(what: 'pages' | 'rows' | 'export bytes', limit: number) {
  const variable = {
    pages: 'MLX_TASK_MAX_PAGES',
    rows: 'MLX_TASK_MAX_ROWS',
    'export bytes': 'MLX_TASK_MAX_EXPORT_BYTES',
  }[what];
  return failure('TaskLimitExceeded', `the task reached its limit of ${limit} ${what} (${variable})`, {
    details: { limit: what, value: limit, setting: variable },
  });
}

export type Screen = 'login' | 'code' | 'orders' | 'suspended';

/** How long a sign-in waits for a person to give the one-time code the seller centre sent. */
export const CODE_TIMEOUT = '15m';

/** Which of the pages the task knows is showing; anything else means the site changed under us. */
export async function currentScreen(page: Page): Promise<Screen> {
  const login = page.getByTestId('login-form');
  const code = page.getByTestId('code-form');
  const orders = page.getByTestId('orders-page');
  const suspended = page.getByTestId('account-suspended');
  try {
    await login.or(code).or(orders).or(suspended).first().waitFor({ timeout: TIMEOUT_MS });
  } catch (err) {
    const path = new URL(page.url()).pathname;
    throw failure(
      'TaskFailed',
      `unexpected page at ${path}: no login form, code form, order list or suspension notice`,
      {
        details: { path },
        cause: err instanceof Error ? err : undefined,
      },
    );
  }
  if (await suspended.isVisible()) return 'suspended';
  if (await login.isVisible()) return 'login';
  if (await code.isVisible()) return 'code';
  return 'orders';
}

/** Clicks something that loads a new page and waits until that page's DOM is there. */
async function clickAndWaitForPage(page: Page, target: Locator): Promise<void> {
  await Promise.all([
    page.waitForEvent('framenavigated', {
      predicate: (frame) => frame === page.mainFrame(),
      timeout: TIMEOUT_MS,
    }),
    target.click({ timeout: TIMEOUT_MS }),
  ]);
  await page.waitForLoadState('domcontentloaded', { timeout: TIMEOUT_MS });
}

export async function signIn(ctx: TaskContext, account: string): Promise<Screen> {
  const { username, password } = ctx.secrets.get(account);
  if (!username || !password) {
    throw failure(
      'TaskSecretMissing',
      `credential "${account}" needs non-empty "username" and "password" fields`,
      {
        details: { ref: account },
      },
    );
  }
  const form = ctx.page.getByTestId('login-form');
  await form.getByLabel('Username', { exact: true }).fill(username);
  await form.getByLabel('Password', { exact: true }).fill(password);
  await clickAndWaitForPage(ctx.page, form.getByRole('button', { name: 'Sign in' }));
  const screen = await currentScreen(ctx.page);
  if (screen === 'login') {
    const shown = (await ctx.page.getByTestId('login-error').textContent({ timeout: TIMEOUT_MS })) ?? '';
    throw failure(
      'PlatformAuthFailed',
      `the seller centre refused the login of credential "${account}": ${redactedPrintable(shown.trim(), 200)}`,
      { details: { account } },
    );
  }
  return screen;
}

/**
 * The seller centre asks for the one-time code it sent to the shop owner's phone: the task asks a person
 * (ctx.ask, a secret answer) and types it. A code the site refuses fails the sign-in, not retried: the
 * code is used up, and the next sign-in gets a new one.
 */
export async function enterCode(ctx: TaskContext, account: string): Promise<Screen> {
  const code = await ctx.ask({
    kind: 'otp',
    prompt: `One-time code the seller centre sent to the phone of the owner of credential "${account}"`,
    timeout: CODE_TIMEOUT,
    secret: true,
  });
  const form = ctx.page.getByTestId('code-form');
  await form.getByLabel('One-time code', { exact: true }).fill(code);
  await clickAndWaitForPage(ctx.page, form.getByRole('button', { name: 'Verify' }));
  const screen = await currentScreen(ctx.page);
  if (screen === 'code' || screen === 'login') {
    const shown = await ctx.page
      .getByRole('alert')
      .textContent({ timeout: TIMEOUT_MS })
      .catch(() => '');
    throw failure(
      'PlatformAuthFailed',
      `the seller centre refused the one-time code for credential "${account}": ${redactedPrintable((shown ?? '').trim(), 200)}`,
      { details: { account } },
    );
  }
  return screen;
}

/** Sets the filters through the form, as a person would, and checks the list shows them. */
export async function applyFilters(page: Page, input: SyncOrdersInput): Promise<void> {
  const form = page.getByTestId('filter-form');
  const from = form.getByLabel('From', { exact: true });
  const to = form.getByLabel('To', { exact: true });
  const status = form.getByLabel('Status', { exact: true });
  await from.fill(input.from);
  await to.fill(input.to);
  await status.selectOption({ value: input.status ?? '' });
  await clickAndWaitForPage(page, form.getByRole('button', { name: 'Apply' }));
  if ((await currentScreen(page)) !== 'orders') {
    throw failure('TaskFailed', 'the seller centre left the order list when the filters were applied');
  }
  const applied = {
    from: await from.inputValue(),
    to: await to.inputValue(),
    status: await status.inputValue(),
  };
  if (applied.from !== input.from || applied.to !== input.to || applied.status !== (input.status ?? '')) {
    throw failure('TaskFailed', 'the order list does not show the requested filters', {
      details: { requested: { from: input.from, to: input.to, status: input.status ?? '' }, applied },
    });
  }
}

interface Pagination {
  page: number;
  totalPages: number;
  total: number;
}

async function readPagination(page: Page): Promise<Pagination> {
  const label = (await page.getByTestId('page-label').textContent({ timeout: TIMEOUT_MS })) ?? '';
  const count = (await page.getByTestId('total-count').textContent({ timeout: TIMEOUT_MS })) ?? '';
  const pages = /Page\s+(\d+)\s+of\s+(\d+)/.exec(label);
  const total = /(\d+)\s+orders?/.exec(count);
  if (!pages || !total) {
    throw failure('TaskFailed', `cannot read the pagination ("${label.trim()}", "${count.trim()}")`);
  }
  return { page: Number(pages[1]), totalPages: Number(pages[2]), total: Number(total[1]) };
}

async function readRows(page: Page): Promise<SyncedOrder[]> {
  const raw = await page.getByTestId('order-row').evaluateAll((rows) =>
    rows.map((row) => ({
      id: row.getAttribute('data-order-id'),
      created_at: row.getAttribute('data-created-at'),
      buyer: row.querySelector('[data-field="buyer"]')?.textContent?.trim(),
      status: row.getAttribute('data-status'),
      items: Number(row.getAttribute('data-items')),
      total_cents: Number(row.getAttribute('data-total-cents')),
      currency: row.getAttribute('data-currency'),
    })),
  );
  const parsed = z.array(orderRow).safeParse(raw);
  if (!parsed.success) {
    const problems = formatIssues(parsed.error, 'rows');
    throw failure(
      'TaskFailed',
      `the order table has rows the task cannot read: ${problems.slice(0, 5).join('; ')}`,
      {
        details: { problems: problems.slice(0, 20) },
      },
    );
  }
  return parsed.data;
}

/** Reads every page of the filtered list by clicking "Next", heartbeating after each page. */
export async function readAllPages(ctx: TaskContext): Promise<{ rows: SyncedOrder[]; pages: number }> {
  const { page } = ctx;
  const rows: SyncedOrder[] = [];
  const seen = new Set<string>();
  let pages = 0;
  for (;;) {
    ctx.signal.throwIfAborted();
    const pagination = await readPagination(page);
    // The page says how many pages and orders there are; the job's caps say how many we read.
    if (pagination.totalPages > ctx.limits.pages) throw limitExceeded('pages', ctx.limits.pages);
    if (pagination.total > ctx.limits.rows) throw limitExceeded('rows', ctx.limits.rows);
    if (pagination.page !== pages + 1) {
      throw failure(
        'TaskFailed',
        `expected page ${pages + 1} of the order list, the seller centre shows page ${pagination.page}`,
      );
    }
    for (const row of await readRows(page)) {
      if (seen.has(row.id)) {
        // An order was added or removed while paging and the pages shifted: a retry reads them afresh.
        throw failure('TaskFailed', `order ${row.id} is listed twice: the list changed while paging`);
      }
      seen.add(row.id);
      rows.push(row);
      if (rows.length > ctx.limits.rows) throw limitExceeded('rows', ctx.limits.rows);
    }
    pages = pagination.page;
    if (pages >= ctx.limits.pages && pages < pagination.totalPages)
      throw limitExceeded('pages', ctx.limits.pages);
    ctx.heartbeat({ page: pages, rows_so_far: rows.length });

    const next = page.getByRole('link', { name: 'Next', exact: true });
    if (pages >= pagination.totalPages || (await next.count()) === 0) {
      if (rows.length !== pagination.total) {
        throw failure(
          'TaskFailed',
          `the order list says ${pagination.total} orders but ${rows.length} were listed`,
          {
            details: { total: pagination.total, listed: rows.length, pages },
          },
        );
      }
      return { rows, pages };
    }
    ctx.signal.throwIfAborted();
    await clickAndWaitForPage(page, next);
  }
}
