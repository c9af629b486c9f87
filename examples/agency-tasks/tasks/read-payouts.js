// @ts-check
const { z } = require('zod');
const { defineFailure, defineTask, PlatformAuthFailed } = require('mlx-jobs/task');

/** The month's statement is still being prepared: worth trying again later. */
const PayoutsNotReady = defineFailure('PayoutsNotReady', {
  retryable: true,
  description: "the seller centre has not published the month's payout statement yet",
});

/** Someone must unlock the statement in the seller centre first: retrying cannot help. */
const StatementLocked = defineFailure('StatementLocked', {
  retryable: false,
  description: 'the payout statement is locked for review',
});

const TIMEOUT_MS = 15_000;

/**
 * Reads one month's payouts: signs in on the login page when asked to, picks the month in the
 * statement form, opens it and reads the summary and the payout table.
 */
const readPayouts = defineTask({
  name: 'read_payouts',
  description: "reads a month's payout statement from the seller centre",
  input: z.object({
    seller_centre_url: z.url({ protocol: /^https?$/ }),
    account: z.string().min(1),
    month: z.string().regex(/^\d{4}-\d{2}$/, 'month must be YYYY-MM'),
  }),
  output: z.object({
    month: z.string(),
    total_cents: z.number().int(),
    payouts: z.array(z.object({ reference: z.string(), amount_cents: z.number().int() })),
  }),
  example: { seller_centre_url: 'https://seller.example', account: 'shop-42', month: '2026-11' },
  failures: [PayoutsNotReady, StatementLocked],
  credentials: (input) => [{ account: input.account, url: input.seller_centre_url }],
  async run(ctx, input) {
    const { page } = ctx;
    await page.goto(new URL('/statements', input.seller_centre_url).href, { timeout: TIMEOUT_MS });
    if (await page.getByRole('heading', { name: 'Sign in' }).isVisible()) {
      await ctx.span('read_payouts.sign_in', async () => {
        const { username, password } = ctx.secrets.get(input.account);
        await page.getByLabel('Email').fill(String(username));
        await page.getByLabel('Password').fill(String(password));
        await page.getByRole('button', { name: 'Sign in' }).click({ timeout: TIMEOUT_MS });
      });
      if (await page.getByRole('alert').isVisible()) {
        throw new PlatformAuthFailed(`the seller centre refused the sign-in of "${input.account}"`);
      }
    }
    await page.getByLabel('Month').selectOption(input.month, { timeout: TIMEOUT_MS });
    await page.getByRole('button', { name: 'Open statement' }).click({ timeout: TIMEOUT_MS });
    const status = await page.getByTestId('statement-status').textContent({ timeout: TIMEOUT_MS });
    if (status === 'pending') throw new PayoutsNotReady(`the ${input.month} statement is not published yet`);
    if (status === 'locked') throw new StatementLocked(`the ${input.month} statement is locked for review`);
    ctx.heartbeat({ stage: 'statement open' });

    const rows = await page.locator('table#payouts tbody tr').all();
    if (rows.length > ctx.limits.rows) throw new Error(`more payout rows than MLX_TASK_MAX_ROWS`);
    const payouts = [];
    for (const row of rows) {
      const [reference, amount] = await row.locator('td').allTextContents();
      payouts.push({ reference: String(reference).trim(), amount_cents: cents(String(amount)) });
    }
    const total = await page.getByTestId('statement-total').textContent();
    return { month: input.month, total_cents: cents(String(total)), payouts };
  },
});

/** "1,234.50" → 123450 */
function cents(text) {
  const [whole, fraction = ''] = text.replace(/,/g, '').trim().split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0').slice(0, 2));
}

module.exports = { readPayouts, PayoutsNotReady, StatementLocked };
