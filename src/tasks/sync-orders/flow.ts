import type { Locator, Page } from 'playwright-core';
import { z } from 'zod';
import { failure } from '../../contract/failures';
import { formatIssues } from '../../contract/validation';
import { defineTask, type TaskContext } from '../task-definition';

const ORDER_STATUSES = ['to_ship', 'shipped', 'completed', 'cancelled'] as const;
const MAX_RANGE_DAYS = 93;
const DAY_MS = 24 * 60 * 60 * 1000;
const TIMEOUT_MS = 20_000;

const day = z.iso.date({ error: 'expected a date as YYYY-MM-DD' });

const syncOrdersInput = z
  .object({
    seller_centre_url: z.url({ protocol: /^https?$/ }),
    /** Name of the credential in the worker's secret store; it needs `username` and `password`. */
    account: z.string().min(1),
    from: day,
    to: day,
    status: z.enum(ORDER_STATUSES).optional(),
  })
  // A date that is itself invalid is reported once, by its own check, not again by these.
  .refine((input) => !validDays(input) || input.from <= input.to, {
    path: ['from'],
    error: 'must be on or before `to`',
  })
  .refine((input) => !validDays(input) || daysBetween(input.from, input.to) < MAX_RANGE_DAYS, {
    path: ['to'],
    error: `the range may span at most ${MAX_RANGE_DAYS} days`,
  });

const orderRow = z.object({
  id: z.string().min(1),
  created_at: z.iso.datetime(),
  buyer: z.string(),
  status: z.enum(ORDER_STATUSES),
  items: z.number().int().positive(),
  total_cents: z.number().int().nonnegative(),
  currency: z.string().regex(/^[A-Z]{3}$/),
});

const syncOrdersOutput = z.object({
  count: z.number().int().nonnegative(),
  rows: z.array(orderRow),
  export_count: z.number().int().nonnegative(),
  pages: z.number().int().positive(),
  from: day,
  to: day,
});

export type SyncOrdersInput = z.output<typeof syncOrdersInput>;
export type SyncedOrder = z.output<typeof orderRow>;

/**
 * Reads the orders of a date range from the seller centre: signs in if the session is gone, filters
 * and pages through the order list, then downloads the CSV export and checks it lists the same orders.
 */
export const syncOrders = defineTask({
  name: 'sync_orders',
  description: 'reads the orders of a date range from the seller centre and cross-checks the CSV export',
  input: syncOrdersInput,
  output: syncOrdersOutput,
  async run(ctx, input) {
    const { page } = ctx;
    const response = await page.goto(ordersUrl(input), {
      waitUntil: 'domcontentloaded',
      timeout: TIMEOUT_MS,
    });
    const status = response?.status() ?? 200;
    // 401 and 403 may carry a login form or a suspension notice; other errors will not get better by waiting.
    if (status >= 400 && status !== 401 && status !== 403) {
      throw failure('TaskFailed', `the seller centre answered HTTP ${status} for the order list`, {
        details: { status },
      });
    }
    let screen = await currentScreen(page);
    if (screen === 'login') {
      screen = await ctx.span('sync_orders.sign_in', () => signIn(ctx, input.account));
      ctx.log.info('signed in to the seller centre', { account: input.account });
    } else {
      ctx.log.info('reusing the seller centre session', { account: input.account });
    }
    if (screen === 'suspended') {
      throw failure(
        'PlatformBanned',
        `the seller centre account of credential "${input.account}" is suspended`,
        {
          details: { account: input.account },
        },
      );
    }
    ctx.signal.throwIfAborted();

    const { rows, pages } = await ctx.span('sync_orders.read_list', async () => {
      await applyFilters(page, input);
      return readAllPages(ctx);
    });
    ctx.log.info('order list read', { pages, count: rows.length });

    ctx.signal.throwIfAborted();
    const exported = await ctx.span('sync_orders.export', () => downloadExport(page));
    ctx.log.info('order export downloaded', { export_count: exported.length });
    compareWithExport(rows, exported);

    return { count: rows.length, rows, export_count: exported.length, pages, from: input.from, to: input.to };
  },
});

function validDays(input: { from: string; to: string }): boolean {
  return day.safeParse(input.from).success && day.safeParse(input.to).success;
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(to) - Date.parse(from)) / DAY_MS);
}

function ordersUrl(input: SyncOrdersInput): string {
  const base = input.seller_centre_url.endsWith('/')
    ? input.seller_centre_url
    : `${input.seller_centre_url}/`;
  const url = new URL('orders', base);
  url.searchParams.set('from', input.from);
  url.searchParams.set('to', input.to);
  if (input.status) url.searchParams.set('status', input.status);
  return url.toString();
}

type Screen = 'login' | 'orders' | 'suspended';

/** Which of the pages the task knows is showing; anything else means the site changed under us. */
async function currentScreen(page: Page): Promise<Screen> {
  const login = page.getByTestId('login-form');
  const orders = page.getByTestId('orders-page');
  const suspended = page.getByTestId('account-suspended');
  try {
    await login.or(orders).or(suspended).first().waitFor({ timeout: TIMEOUT_MS });
  } catch (err) {
    const path = new URL(page.url()).pathname;
    throw failure(
      'TaskFailed',
      `unexpected page at ${path}: no login form, order list or suspension notice`,
      {
        details: { path },
        cause: err instanceof Error ? err : undefined,
      },
    );
  }
  if (await suspended.isVisible()) return 'suspended';
  if (await login.isVisible()) return 'login';
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

async function signIn(ctx: TaskContext, account: string): Promise<Screen> {
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
      `the seller centre refused the login of credential "${account}": ${shown.trim().slice(0, 200)}`,
      { details: { account } },
    );
  }
  return screen;
}

/** Sets the filters through the form, as a person would, and checks the list shows them. */
async function applyFilters(page: Page, input: SyncOrdersInput): Promise<void> {
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
async function readAllPages(ctx: TaskContext): Promise<{ rows: SyncedOrder[]; pages: number }> {
  const { page } = ctx;
  const rows: SyncedOrder[] = [];
  const seen = new Set<string>();
  let pages = 0;
  for (;;) {
    ctx.signal.throwIfAborted();
    const pagination = await readPagination(page);
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
    }
    pages = pagination.page;
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

async function downloadExport(page: Page): Promise<SyncedOrder[]> {
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: TIMEOUT_MS }),
    page.getByRole('link', { name: 'Export CSV' }).click({ timeout: TIMEOUT_MS }),
  ]);
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of await download.createReadStream()) chunks.push(chunk as Buffer);
    return exportRows(Buffer.concat(chunks).toString('utf8'));
  } finally {
    // The profile's context lives on between jobs: do not leave exports lying in its download folder.
    await download.delete().catch(() => undefined);
  }
}

const EXPORT_COLUMNS = {
  id: 'Order ID',
  created_at: 'Created At',
  buyer: 'Buyer',
  status: 'Status',
  items: 'Items',
  total: 'Total',
  currency: 'Currency',
} as const;

function exportRows(csv: string): SyncedOrder[] {
  const [header, ...records] = parseCsv(csv);
  if (!header) throw failure('TaskFailed', 'the order export is empty');
  const column = (name: string): number => {
    const index = header.findIndex((cell) => cell.trim().toLowerCase() === name.toLowerCase());
    if (index < 0) throw failure('TaskFailed', `the order export has no "${name}" column`);
    return index;
  };
  const at = Object.fromEntries(
    Object.entries(EXPORT_COLUMNS).map(([key, name]) => [key, column(name)]),
  ) as Record<keyof typeof EXPORT_COLUMNS, number>;
  return records.map((record, index) => {
    const cell = (key: keyof typeof EXPORT_COLUMNS): string => record[at[key]] ?? '';
    const parsed = orderRow.safeParse({
      id: cell('id'),
      created_at: cell('created_at'),
      buyer: cell('buyer'),
      status: cell('status'),
      items: Number(cell('items')),
      total_cents: decimalToCents(cell('total')),
      currency: cell('currency'),
    });
    if (!parsed.success) {
      // Line numbers count the header, as a spreadsheet would show them.
      const problems = formatIssues(parsed.error, `line ${index + 2}`);
      throw failure('TaskFailed', `the order export has a row the task cannot read: ${problems.join('; ')}`);
    }
    return parsed.data;
  });
}

/** `"123.45"` → 12345 without going through floating point; NaN when it is not a money amount. */
function decimalToCents(value: string): number {
  const match = /^(\d+)(?:\.(\d{1,2}))?$/.exec(value.trim());
  if (!match) return Number.NaN;
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

/** RFC 4180 records: quoted fields may hold commas, doubled quotes and line breaks; a leading BOM is dropped. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let fieldStart = true;
  const endRow = () => {
    row.push(field);
    if (row.length > 1 || row[0] !== '') rows.push(row);
    row = [];
    field = '';
    fieldStart = true;
  };
  for (let i = text.startsWith('\uFEFF') ? 1 : 0; i < text.length; i++) {
    const char = text.charAt(i);
    if (quoted) {
      if (char === '"' && text.charAt(i + 1) === '"') {
        field += '"';
        i++;
      } else if (char === '"') {
        quoted = false;
      } else {
        field += char;
      }
    } else if (char === '"' && fieldStart) {
      quoted = true;
      fieldStart = false;
    } else if (char === ',') {
      row.push(field);
      field = '';
      fieldStart = true;
    } else if (char === '\r' || char === '\n') {
      if (char === '\r' && text.charAt(i + 1) === '\n') i++;
      endRow();
    } else {
      field += char;
      fieldStart = false;
    }
  }
  if (quoted) throw new Error('CSV ends inside a quoted field');
  if (!fieldStart || row.length > 0) endRow();
  return rows;
}

function compareWithExport(listed: readonly SyncedOrder[], exported: readonly SyncedOrder[]): void {
  const listedIds = new Set(listed.map((row) => row.id));
  const exportedIds = new Set(exported.map((row) => row.id));
  const missing = [...listedIds].filter((id) => !exportedIds.has(id));
  const extra = [...exportedIds].filter((id) => !listedIds.has(id));
  if (missing.length === 0 && extra.length === 0 && exported.length === listed.length) return;
  throw failure(
    'TaskFailed',
    `the CSV export disagrees with the order list: ${listed.length} listed, ${exported.length} exported, ` +
      `${missing.length} missing from the export, ${extra.length} only in the export`,
    {
      details: {
        count: listed.length,
        export_count: exported.length,
        missing_from_export: missing.slice(0, 10),
        only_in_export: extra.slice(0, 10),
      },
    },
  );
}
