/**
 * One arm of scenario 3 in a process of its own, so tracing is on or off for the whole process as its
 * OTEL_* variables say: `noop C1 C32 CONFIG` (no-op jobs one at a time, then 32 at once) or
 * `job N CONFIG` (real sync_orders jobs), CONFIG the dev server's dynamic configuration as JSON (null:
 * the project's settings).
 * Prints one line, `RESULT <json>`.
 */
import { z } from 'zod';
import { startTelemetry } from '../src/telemetry';
import type { ServerConfig } from './lib/flags';
import { startJobArms } from './lib/job-arms';
import { startNoOpArms } from './noop/arms';

export interface NoOpArmResult {
  c1LatenciesMs: number[];
  c32Rate: number;
  failures: number;
}
export interface JobArmResult {
  latenciesMs: number[];
}

async function noOp(c1: number, c32: number, serverConfig?: ServerConfig): Promise<NoOpArmResult> {
  const telemetry = startTelemetry({ serviceName: 'mlx-worker' });
  const arms = await startNoOpArms({ telemetry, devServer: { dynamicConfig: serverConfig } });
  try {
    await arms.production(8, 4);
    const one = await arms.production(c1, 1);
    const many = await arms.production(c32, 32);
    return { c1LatenciesMs: one.latencies, c32Rate: many.rate, failures: one.failures + many.failures };
  } finally {
    await arms.close();
    await telemetry.shutdown();
  }
}

async function jobs(count: number, serverConfig?: ServerConfig): Promise<JobArmResult> {
  const arms = await startJobArms(serverConfig);
  try {
    await arms.temporal();
    const latenciesMs: number[] = [];
    for (let i = 0; i < count; i++) latenciesMs.push((await arms.temporal()).ms);
    return { latenciesMs };
  } finally {
    await arms.close();
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const config = z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
    .optional()
    .parse(JSON.parse(args.at(-1) ?? 'null') ?? undefined);
  const result =
    args[0] === 'noop'
      ? await noOp(Number(args[1]), Number(args[2]), config)
      : await jobs(Number(args[1]), config);
  console.log(`RESULT ${JSON.stringify(result)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
