import { z } from 'zod';

export const SCENARIOS = ['1', '2', '3', '4', '5', '6', '7', 'dispatch'] as const;
export type ScenarioId = (typeof SCENARIOS)[number];
/** What `npm run bench` runs with no --only: the seven scenarios of the suite and the dispatch settings. */
const DEFAULT_SCENARIOS: ScenarioId[] = ['1', '2', '3', '4', '5', '6', '7', 'dispatch'];

const count = z.coerce.number().int().positive();

/**
 * The dev server's dynamic configuration, `KEY=VALUE,KEY=VALUE` (numbers and true/false as such), or
 * `none` for Temporal's own defaults; without the flag, the project's (DISPATCH_SETTINGS).
 */
export type ServerConfig = Record<string, string | number | boolean>;
const serverConfig = z.string().transform((list, ctx): ServerConfig => {
  const config: ServerConfig = {};
  if (list === 'none') return config;
  for (const item of list.split(',').filter(Boolean)) {
    const [key, value] = item.split('=', 2);
    if (!key || value === undefined || !/^[a-z]+\.[A-Za-z.]+$/.test(key)) {
      ctx.addIssue({ code: 'custom', message: `"${item}" is not KEY=VALUE with a dynamic config key` });
      return z.NEVER;
    }
    config[key] =
      value === 'true' ? true : value === 'false' ? false : /^\d+$/.test(value) ? Number(value) : value;
  }
  return config;
});
const Flags = z.strictObject({
  only: z
    .string()
    .transform((list) => list.split(',').map((s) => s.trim()))
    .pipe(z.array(z.enum(SCENARIOS)).min(1))
    .optional(),
  quick: z.boolean().default(false),
  /** Sequential jobs of the soak (scenario 7). */
  soak: count.optional(),
  /** Pairs of scenario 2 (one job through Temporal, one bare script each). */
  pairs: count.optional(),
  /** ABBA pairs of child processes in scenario 3 (traced, untraced); 10 at full size, so its 95 % intervals are ones. */
  rounds: count.optional(),
  /** Dynamic configuration for every dev server the scenarios start (the dispatch scenario has its own). */
  'server-config': serverConfig.optional(),
});

export interface Sizes {
  scenarios: ScenarioId[];
  quick: boolean;
  /** --server-config: given to every dev server the scenarios start; when absent, the project's settings. */
  serverConfig: ServerConfig | undefined;
  /** Scenario 1 and 5: jobs per concurrency level (each arm). */
  noOpJobs: Record<number, number>;
  pairs: number;
  rounds: number;
  /** Scenario 3: no-op jobs per child at concurrency 1 and 32, real jobs per child. */
  tracing: { c1: number; c32: number; real: number };
  /** Scenario 4: rounds of each concurrency level. */
  scalingRounds: number;
  sameProfileJobs: number;
  soakJobs: number;
  /** The dispatch settings: jobs one at a time per arm and setting, then jobs 32 at once. */
  dispatchRuns: number;
  dispatchBurst: number;
}

export const USAGE = `npm run bench -- [--only 1,2,…,7,dispatch] [--quick] [--soak N] [--pairs N] [--rounds N] [--server-config KEY=VALUE,…|none]`;

/** Reads `--name value` and `--flag` arguments; anything else is refused with the usage line. */
export function parseFlags(argv: readonly string[]): Sizes {
  const raw: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}\nusage: ${USAGE}`);
    const name = arg.slice(2);
    if (name === 'quick') raw.quick = true;
    else raw[name] = argv[++i] ?? '';
  }
  const parsed = Flags.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'flags'}: ${i.message}`);
    throw new Error(`${problems.join('; ')}\nusage: ${USAGE}`);
  }
  const flags = parsed.data;
  const quick = flags.quick;
  return {
    scenarios: flags.only ?? DEFAULT_SCENARIOS,
    quick,
    serverConfig: flags['server-config'],
    noOpJobs: quick ? { 1: 6, 8: 32, 32: 96 } : { 1: 30, 8: 120, 32: 320 },
    pairs: flags.pairs ?? (quick ? 3 : 20),
    rounds: flags.rounds ?? (quick ? 1 : 10),
    tracing: quick ? { c1: 5, c32: 64, real: 2 } : { c1: 15, c32: 128, real: 4 },
    scalingRounds: quick ? 1 : 3,
    sameProfileJobs: quick ? 5 : 20,
    soakJobs: flags.soak ?? (quick ? 20 : 500),
    dispatchRuns: quick ? 8 : 20,
    dispatchBurst: quick ? 32 : 96,
  };
}
