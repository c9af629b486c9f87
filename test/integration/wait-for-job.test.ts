import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { waitForJob } from '../../src/client-library';
import { workflowIdFor } from '../../src/contract';
import { DISPATCH_SETTINGS, startDevServer, type DevServer } from '../../src/dev/temporal-dev-server';

// A wait for a long job: the server answers each long poll of the result after this long (20 s by
// default), so a few seconds here are a wait of many minutes in production.
const LONG_POLL = '100ms';
let server: DevServer;
let client: Client;

before(async () => {
  server = await startDevServer({
    dynamicConfig: { ...DISPATCH_SETTINGS, 'history.longPollExpirationInterval': LONG_POLL },
  });
  client = new Client({ connection: await Connection.connect({ address: server.address }) });
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
    const history = () => client.workflow.getHandle(handle.workflowId).fetchHistory();
    const waiting = waitForJob(client, 'long-wait', { pollIntervalMs: 60_000 });
    const started = Date.now();
    // Well over the 10 listeners Node warns at: 4 s of 100 ms polls.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    assert.ok((await history()).events?.length, 'the run exists and is open');
    await handle.terminate('the test is done waiting');
    await assert.rejects(waiting, (err: Error) => err instanceof WorkflowFailedError);
    assert.ok(Date.now() - started >= 4_000);
  } finally {
    process.off('warning', onWarning);
  }
  assert.deepEqual(warnings, []);
});
