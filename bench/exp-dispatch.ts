// Throwaway experiment (not committed): bare SDK workflow latency under dev-server settings.
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { startDevServer } from '../src/dev/temporal-dev-server';
import * as activities from './noop/activities';

Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
async function run(label: string, dynamicConfig: Record<string, string | number | boolean>) {
  const server = await startDevServer({ dynamicConfig });
  const connection = await NativeConnection.connect({ address: server.address });
  const worker = await Worker.create({ connection, taskQueue: 'exp', workflowsPath: require.resolve('./noop/workflows'), activities });
  const running = worker.run();
  const client = new Client({ connection: await Connection.connect({ address: server.address }) });
  const times: number[] = [];
  for (let i = 0; i < 25; i++) {
    const t = performance.now();
    await client.workflow.execute('sixNoOps', { taskQueue: 'exp', workflowId: `exp-${i}` });
    times.push(performance.now() - t);
  }
  const h = await client.workflow.getHandle('exp-24').fetchHistory();
  const ev = h.events ?? [];
  const ts = (e: (typeof ev)[number]) => Number(e.eventTime?.seconds) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;
  const gaps: number[] = [];
  for (const e of ev) {
    const sid = e.activityTaskStartedEventAttributes?.scheduledEventId ?? e.workflowTaskStartedEventAttributes?.scheduledEventId;
    if (sid) { const s = ev.find((x) => String(x.eventId) === String(sid))!; gaps.push(ts(e) - ts(s)); }
  }
  times.sort((a, b) => a - b);
  console.log(label, 'median job ms', times[12]!.toFixed(0), 'sched->start ms', gaps.map((g) => g.toFixed(0)).join(','));
  worker.shutdown(); await running; await connection.close(); await client.connection.close(); await server.stop();
}
async function main() {
  await run('default', {});
  await run('transferRPS', { 'history.transferProcessorMaxPollRPS': 10000, 'history.timerProcessorMaxPollRPS': 10000 });
  await run('eager', { 'system.enableActivityEagerExecution': true });
}
main().catch((e) => { console.error(e); process.exit(1); });
