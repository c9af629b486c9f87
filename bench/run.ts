/**
 * npm run bench: the benchmark suite. Each scenario prints its table and writes <scenario>.json and .svg
 * into this run's own folder under bench/results/. Flags pick scenarios and sizes (see USAGE,
 * docs/benchmarks.md).
 */
import { join, relative } from 'node:path';
import { parseFlags, type ScenarioId, type Sizes } from './lib/flags';
import {
  readCheckout,
  RESULTS_DIR,
  runFolderName,
  runMeta,
  writeResult,
  type ScenarioResult,
} from './lib/results';
import { throughput } from './scenarios/1-throughput';
import { jobOverhead } from './scenarios/2-job-overhead';
import { tracing } from './scenarios/3-tracing';
import { scaling } from './scenarios/4-scaling';
import { bullmq } from './scenarios/5-bullmq';
import { sameProfile } from './scenarios/6-same-profile';
import { soak } from './scenarios/7-soak';
import { dispatchSettings } from './scenarios/dispatch-settings';

const SCENARIO: Record<ScenarioId, (sizes: Sizes) => Promise<ScenarioResult>> = {
  '1': throughput,
  '2': jobOverhead,
  '3': tracing,
  '4': scaling,
  '5': bullmq,
  '6': sameProfile,
  '7': soak,
  dispatch: dispatchSettings,
};

/**
 * The run's folder (bench/results/<run>/, runFolderName) for full sizes with the project's server
 * settings; quick sizes under quick/ (not kept), and runs with --server-config under temporal-defaults/
 * (`none`) or server-config/ in the run's folder.
 */
function resultsDir(sizes: Sizes, run: string): string {
  const base = sizes.quick ? join(RESULTS_DIR, 'quick', run) : join(RESULTS_DIR, run);
  if (!sizes.serverConfig) return base;
  return join(base, Object.keys(sizes.serverConfig).length ? 'server-config' : 'temporal-defaults');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const sizes = parseFlags(argv);
  const checkout = readCheckout();
  const dir = resultsDir(sizes, runFolderName(new Date(), checkout));
  if (!checkout.clean) console.log(`the working tree is not clean: ${checkout.changes.join('; ')}`);
  let failed = 0;
  for (const id of sizes.scenarios) {
    const meta = runMeta(argv, checkout);
    console.log(
      `\n## scenario ${id} (${sizes.quick ? 'quick' : 'full'} sizes, load ${meta.load.start.toFixed(2)})\n`,
    );
    try {
      const result = await SCENARIO[id](sizes);
      console.log(`### ${result.title}\n`);
      for (const line of result.report) console.log(line);
      const files = writeResult(result, meta, dir);
      console.log(`\nwrote ${files.map((f) => relative(process.cwd(), f)).join(', ')}`);
      if (result.failedChecks?.length) {
        failed += 1;
        console.error(`scenario ${id} failed its checks:\n  ${result.failedChecks.join('\n  ')}`);
      }
    } catch (err) {
      failed += 1;
      console.error(`scenario ${id} failed:`, err);
    }
  }
  if (failed) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(2);
});
