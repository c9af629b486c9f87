/**
 * Cost of tracing: the job-latency benchmark run in separate processes, alternately with spans exported
 * over OTLP/gRPC to a real Jaeger and with tracing off (OTEL_SDK_DISABLED=true), so both see the same
 * machine load.
 *
 *   npm run bench:tracing -- [rounds=3] [runs-per-round=5]
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startJaeger } from '../test/helpers/jaeger';
import { median } from './stats';

interface Round {
  pipeline: number;
  steps: Record<string, number>;
}

function round(env: NodeJS.ProcessEnv, runs: number): Round {
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', join(__dirname, 'job-latency.ts'), String(runs), '--json'],
    { env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  return JSON.parse(out.trim().split('\n').at(-1)!) as Round;
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 3);
  const runs = Number(process.argv[3] ?? 5);
  const jaeger = await startJaeger();
  const traced: Round[] = [];
  const untraced: Round[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      traced.push(round({ OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpGrpcEndpoint }, runs));
      untraced.push(round({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: '' }, runs));
    }
  } finally {
    await jaeger.stop();
  }
  const ms = (v: number) => `${v.toFixed(0)} ms`;
  console.log(`rounds: ${rounds} × ${runs} jobs each mode, alternating; medians of round medians\n`);
  console.log('| measure | traced (OTLP → Jaeger) | tracing off | ratio |\n| --- | --- | --- | --- |');
  const row = (name: string, pick: (r: Round) => number) => {
    const a = median(traced.map(pick));
    const b = median(untraced.map(pick));
    console.log(`| ${name} | ${ms(a)} | ${ms(b)} | ${(a / b).toFixed(2)} |`);
  };
  row('job (submit → result)', (r) => r.pipeline);
  for (const step of Object.keys(traced[0]?.steps ?? {})) row(`step ${step}`, (r) => r.steps[step] ?? 0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
