/**
 * Records the histories the replay test replays. Run it after a deliberate, versioned change to the
 * workflow (`npm run record-histories`), never to make a failing replay test pass.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { cancelJob, getJob, waitForJob } from '../../src/api/jobs';
import { startHarness } from '../helpers/harness';
import { waitUntil } from '../helpers/processes';

async function main(): Promise<void> {
  const h = await startHarness();
  try {
    const jobs: { name: string; spec: Parameters<typeof h.submit>[0]; cancel?: boolean }[] = [
      {
        name: 'completed',
        spec: { job_id: 'replay-completed', task: { name: 'read_title', input: { title: 't' } } },
      },
      { name: 'completed-no-webhook', spec: { job_id: 'replay-no-webhook', callback_url: undefined } },
      { name: 'task-failed', spec: { job_id: 'replay-failed', task: { name: 'always_fails', input: {} } } },
      {
        name: 'cancelled',
        spec: { job_id: 'replay-cancelled', task: { name: 'wait_until_cancelled', input: {} } },
        cancel: true,
      },
    ];
    for (const job of jobs) {
      const started = await h.submit(job.spec);
      if (job.cancel) {
        await waitUntil(
          async () => (await getJob(h.client, started.job_id)).progress?.current_step === 'executeTask',
          20_000,
        );
        await cancelJob(h.client, started.job_id);
      }
      await waitForJob(h.client, started.job_id).catch(() => undefined);
      const history = await h.client.workflow.getHandle(started.workflow_id).fetchHistory();
      const file = join(__dirname, `${job.name}.json`);
      writeFileSync(file, historyToJSON(history));
      console.log(`recorded ${file}`);
    }
  } finally {
    await h.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
