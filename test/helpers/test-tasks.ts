import { createHash } from 'node:crypto';
import { z } from 'zod';
import { failure } from '../../src/contract';
import { defineTask, type TaskContext } from '../../src/tasks';

/** Opens a page in the profile and reads its title: the smallest real browser task. */
export const readTitle = defineTask({
  name: 'read_title',
  description: 'sets a page and returns its title',
  input: z.object({ title: z.string() }),
  output: z.object({ title: z.string() }),
  async run(ctx, input) {
    await ctx.span('read_title.render', () =>
      ctx.page.setContent(`<html><head><title>${input.title}</title></head><body>ok</body></html>`),
    );
    return { title: await ctx.page.title() };
  },
});

/** Throws on every attempt, after touching the browser, like a task broken by a UI change. */
export const alwaysFails = defineTask({
  name: 'always_fails',
  description: 'fails every attempt',
  input: z.object({}),
  output: z.object({}),
  async run(ctx) {
    await ctx.page.setContent('<p>about to fail</p>');
    throw new Error('selector #orders not found');
  },
});

/** Heartbeats until cancelled: stands in for a long export the operator gives up on. */
export const waitUntilCancelled = defineTask({
  name: 'wait_until_cancelled',
  description: 'runs until the job is cancelled',
  input: z.object({}),
  output: z.object({}),
  async run(ctx) {
    await ctx.page.setContent('<p>working</p>');
    for (let beat = 0; !ctx.signal.aborted && beat < 600; beat++) {
      ctx.heartbeat({ beat });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('not cancelled within a minute');
  },
});

/** Fails until the given attempt, then succeeds: a flaky page that recovers. */
export const failsBeforeAttempt = defineTask({
  name: 'fails_before_attempt',
  description: 'fails attempts before `succeed_on`',
  input: z.object({ succeed_on: z.number().int().positive() }),
  output: z.object({ attempt: z.number() }),
  run(ctx, input) {
    if (ctx.job.attempt < input.succeed_on) {
      return Promise.reject(new Error(`flaky page on attempt ${ctx.job.attempt}`));
    }
    return Promise.resolve({ attempt: ctx.job.attempt });
  },
});

/** Keys the tests flag as banned; a test clears a flag to "fix" the account before retrying the job. */
export const bannedAccounts = new Set<string>();

/** Fails with PlatformBanned (never retried) while its account is flagged, else reports where it ran. */
export const bannedWhileFlagged = defineTask({
  name: 'banned_while_flagged',
  description: 'PlatformBanned while `account` is in bannedAccounts',
  input: z.object({ account: z.string() }),
  output: z.object({ account: z.string(), profile_id: z.string() }),
  async run(ctx, input) {
    await ctx.page.setContent('<p>seller centre</p>');
    if (bannedAccounts.has(input.account)) {
      throw failure('PlatformBanned', `account ${input.account} is suspended`);
    }
    return { account: input.account, profile_id: ctx.job.profile_id };
  },
});

/** Heartbeats for `ms`, and on while `more()` says so, unless aborted; how long it held. */
async function holdFor(ctx: TaskContext, ms: number, more: () => boolean = () => false): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < ms || more()) {
    if (ctx.signal.aborted) throw new Error('aborted');
    ctx.heartbeat({ held_ms: Date.now() - started });
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return Date.now() - started;
}

/** Keeps the profile's browser for `ms`, heartbeating: a task long enough to kill its worker during it. */
export const holdBrowser = defineTask({
  name: 'hold_browser',
  description: 'keeps the browser open for `ms` milliseconds',
  input: z.object({ ms: z.number().int().min(0) }),
  output: z.object({ held_ms: z.number() }),
  async run(ctx, input) {
    await ctx.page.setContent('<p>holding</p>');
    return { held_ms: await holdFor(ctx, input.ms) };
  },
});

/** Returns `rows` rows of about 1 KiB each: an output far above Temporal's 2 MB payload limit. */
export const bigOutput = defineTask({
  name: 'big_output',
  description: 'returns `rows` rows of about 1 KiB',
  input: z.object({ rows: z.number().int().min(1).max(10_000) }),
  output: z.object({ rows: z.array(z.object({ id: z.string(), note: z.string() })) }),
  async run(ctx, input) {
    await ctx.page.setContent('<p>exporting</p>');
    const rows = Array.from({ length: input.rows }, (_, i) => ({
      id: `order-${i}`,
      note: `${i}:`.padEnd(1_000, 'x'),
    }));
    return { rows };
  },
});

/** Runs of fails_for_good, counted on the task's side (not in Temporal). */
export const failForGoodRuns = { count: 0 };

/** Fails with a retryable type marked non-retryable for this failure: one attempt must be all. */
export const failsForGood = defineTask({
  name: 'fails_for_good',
  description: 'a TaskFailed marked non-retryable',
  input: z.object({}),
  output: z.object({}),
  async run(ctx) {
    failForGoodRuns.count += 1;
    await ctx.page.setContent('<p>broken for good</p>');
    throw failure('TaskFailed', 'the order page was removed for good', { nonRetryable: true });
  },
});

/** The raw errors fill_disabled met (in the worker process), to show what the worker kept from them. */
export const rawFillErrors: string[] = [];

/**
 * Types a credential's password into a read-only field: Playwright's fill times out with its call log,
 * which quotes the value (`- fill("<password>")`), as a real sign-in meets a locked password field.
 */
export const fillDisabled = defineTask({
  name: 'fill_disabled',
  description: 'types a password into a read-only field and fails',
  input: z.object({ account: z.string(), site: z.url() }),
  output: z.object({}),
  credentials: (input) => [{ account: input.account, url: input.site }],
  async run(ctx, input) {
    const { password = '' } = ctx.secrets.get(input.account);
    await ctx.page.setContent('<form><input id="password" type="password" readonly></form>');
    try {
      await ctx.page.locator('#password').fill(password, { timeout: 500 });
    } catch (err) {
      rawFillErrors.push(String(err));
      throw err;
    }
    return {};
  },
});

/** Opens `site` (typing nothing), then follows a link to `away`: the navigation guard must stop it. */
export const navigateAway = defineTask({
  name: 'navigate_away',
  description: "opens its credential's site, then another one",
  input: z.object({ account: z.string(), site: z.url(), away: z.url() }),
  output: z.object({ title: z.string() }),
  credentials: (input) => [{ account: input.account, url: input.site }],
  async run(ctx, input) {
    await ctx.page.goto(input.site);
    await ctx.page.setContent(`<a id="away" href="${input.away}">away</a>`);
    await ctx.page.click('#away', { timeout: 5_000 });
    await ctx.page.waitForURL(input.away, { timeout: 5_000 });
    return { title: await ctx.page.title() };
  },
});

/** Opens `site` and fails quoting what the page says: page text in a failure message, as a login error is. */
export const pageTextFails = defineTask({
  name: 'page_text_fails',
  description: 'opens a page and fails with its text in the message',
  input: z.object({ site: z.url() }),
  output: z.object({}),
  async run(ctx, input) {
    await ctx.page.goto(input.site);
    const said = (await ctx.page.locator('body').innerText()).trim().slice(0, 200);
    throw failure('TaskFailed', `the page said: ${said}`, { nonRetryable: true });
  },
});

/** Runs of counted_hold per job id, counted on the task's side (not in Temporal). */
export const countedRuns = new Map<string, number>();
/** Job ids whose counted_hold keeps its browser, past its `ms`, until the test deletes them here. */
export const heldJobs = new Set<string>();

/**
 * Counts its run, then keeps the browser for `ms`, heartbeating (0: a quick task), and on while its job
 * is in heldJobs.
 */
export const countedHold = defineTask({
  name: 'counted_hold',
  description: 'counts each run by job id, then holds the browser for `ms` milliseconds',
  input: z.object({ ms: z.number().int().min(0) }),
  output: z.object({ runs: z.number() }),
  async run(ctx, input) {
    const runs = (countedRuns.get(ctx.job.job_id) ?? 0) + 1;
    countedRuns.set(ctx.job.job_id, runs);
    await holdFor(ctx, input.ms, () => heldJobs.has(ctx.job.job_id));
    await ctx.page.title(); // the browser still answers at the end
    return { runs };
  },
});

/** Every test task, for workers the tests start. */
/**
 * Asks a person for a one-time code and types it into its page; logs it on purpose (the worker must
 * redact it) and returns only its digest, so a test can tell the right answer arrived.
 */
export const asksForCode = defineTask({
  name: 'asks_for_code',
  description: 'asks a person for a code (ctx.ask) and returns its sha256',
  input: z.object({ timeout_ms: z.number().int().positive(), secret: z.boolean().default(true) }),
  output: z.object({ answer_sha256: z.string() }),
  async run(ctx, input) {
    await ctx.page.setContent('<input id="code" aria-label="code">');
    const code = await ctx.ask({
      kind: 'otp',
      prompt: "Code sent to the shop owner's phone",
      timeout: input.timeout_ms,
      secret: input.secret,
    });
    await ctx.page.getByLabel('code').fill(code);
    ctx.log.info('typed the code', { code });
    await ctx.span('asks_for_code.typed', () => Promise.resolve(), { typed: code });
    return { answer_sha256: createHash('sha256').update(code).digest('hex') };
  },
});

export const testTasks = [
  readTitle,
  pageTextFails,
  alwaysFails,
  waitUntilCancelled,
  failsBeforeAttempt,
  holdBrowser,
  bannedWhileFlagged,
  bigOutput,
  failsForGood,
  fillDisabled,
  navigateAway,
  countedHold,
  asksForCode,
];
