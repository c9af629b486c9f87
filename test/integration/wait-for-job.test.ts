import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { waitForJob } from '../../src/client-library';
import { workflowIdFor } from '../../src/contract';
import { waitUntil } from '../helpers/processes';
import { DISPATCH_SETTINGS, startDevServer, type DevServer } from '../../src/dev/temporal-dev-server';

// A wait for a long job: the server answers each long poll of the result after this long (20 s by
// default), so a few seconds here are a wait of many minutes in production.
const LONG_POLL = '100ms';
let server: DevServer;
let client: Client;
/** Long polls of the run's history (the result's wait) the client has sent so far. */
let historyPolls = 0;

before(async () => {
  server = await startDevServer({
    dynamicConfig: { ...DISPATCH_SETTINGS, 'history.longPollExpirationInterval': LONG_POLL },
  });
  const connection = await Connection.connect({ address: server.address });
  const service = connection.workflowService;
  const fetchHistory = service.getWorkflowExecutionHistory.bind(service);
  service.getWorkflowExecutionHistory = ((request: Parameters<typeof fetchHistory>[0]) => {
    historyPolls += 1;
    return fetchHistory(request);
  }) as typeof fetchHistory;
  client = new Client({ connection });
});
after(async () => {
  await client?.connection.close();
  await server?.stop();
});

test('waiting long for a job prints no listener-leak warning, however many long polls it takes', async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
  process.on('warning', onWarning);
  try {
    // No worker polls this queue: the run stays open, and the wait goes on until the test stops it.
    const handle = await client.workflow.start('runJob', {
      taskQueue: 'nobody-polls-this',
      workflowId: workflowIdFor('long-wait'),
      args: [],
    });
    const polled = historyPolls;
    const waiting = waitForJob(client, 'long-wait', { pollIntervalMs: 60_000 }).then(
      () => undefined,
      (err: unknown) => err,
    );
    try {
      // Well over the 10 listeners Node warns at: 30 long polls of one wait, each ended by the server.
      await waitUntil(() => historyPolls - polled >= 30, 30_000, '30 long polls of the result');
      assert.equal((await handle.describe()).status.name, 'RUNNING', 'the run is still open');
    } finally {
      // Ends the wait, whatever happened above.
      await handle.terminate('the test is done waiting');
    }
    assert.ok((await waiting) instanceof WorkflowFailedError, 'the wait ended with the run');
  } finally {
    process.off('warning', onWarning);
  }
  assert.deepEqual(warnings, []);
});
