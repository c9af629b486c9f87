import { failure } from '../../contract';
import { defineTask } from '../task-definition';
import { downloadExport, compareWithExport } from './export';
import { applyFilters, currentScreen, enterCode, readAllPages, signIn, TIMEOUT_MS } from './pages';
import { syncOrdersInput, syncOrdersOutput, type SyncOrdersInput } from './schemas';

/**
 * Reads the orders of a date range from the seller centre: signs in if the session is gone, filters
 * and pages through the order list, then downloads the CSV export and checks it lists the same orders.
 */
export const syncOrders = defineTask({
  name: 'sync_orders',
  description: 'reads the orders of a date range from the seller centre and cross-checks the CSV export',
  input: syncOrdersInput,
  output: syncOrdersOutput,
  example: {
    seller_centre_url: 'https://seller.example',
    account: 'shop-42',
    from: '2026-11-23',
    to: '2026-11-23',
  },
  // The credential is typed only into the seller centre's own origin (checked before the browser starts).
  credentials: (input) => [{ account: input.account, url: input.seller_centre_url }],
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
      // A new sign-in may need the one-time code the seller centre sends the shop owner: a person gives it.
      if (screen === 'code')
        screen = await ctx.span('sync_orders.one_time_code', () => enterCode(ctx, input.account));
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
    const exported = await ctx.span('sync_orders.export', () => downloadExport(page, ctx.limits));
    ctx.log.info('order export downloaded', { export_count: exported.length });
    compareWithExport(rows, exported);

    return { count: rows.length, rows, export_count: exported.length, pages, from: input.from, to: input.to };
  },
});

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
