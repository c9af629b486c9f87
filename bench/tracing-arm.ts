/**
 * One arm of scenario 3 in a process of its own, so tracing is on or off for the whole process as its
 * OTEL_* variables say: `noop C1 C32` (no-op jobs one at a time, then 32 at once) or `job N` (real
 * sync_orders jobs). Prints one line, `RESULT <json>`.
 */
import { startTelemetry } from '../src/telemetry';
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

async function noOp(c1: number, c32: number): Promise<NoOpArmResult> {
  const telemetry = startTelemetry({ serviceName: 'mlx-worker' });
  const arms = await startNoOpArms({ telemetry });
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

async function jobs(count: number): Promise<JobArmResult> {
  const arms = await startJobArms();
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
  const [kind, a, b] = process.argv.slice(2);
  const result = kind === 'noop' ? await noOp(Number(a), Number(b)) : await jobs(Number(a));
  console.log(`RESULT ${JSON.stringify(result)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
