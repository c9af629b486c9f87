import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { SA } from '../../src/contract';
import { startDevServer, type DevServer, type DevServerOptions } from '../../src/dev/temporal-dev-server';
import { indexedValueType } from '../../src/worker-process/register-search-attributes';
import { testFileStem } from './test-file';

/**
 * What test/suite/run.ts passes to every test file: the one dev server of the run. A file run alone
 * (without them) starts its own.
 */
export const SHARED_TEMPORAL_ENV = {
  address: 'MLX_TEST_TEMPORAL_ADDRESS',
  uiUrl: 'MLX_TEST_TEMPORAL_UI_URL',
  pid: 'MLX_TEST_TEMPORAL_PID',
} as const;

/** A Temporal dev server and the namespace a test works in. */
export interface TestTemporal extends DevServer {
  namespace: string;
  /** TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE for a CLI or worker process of this test. */
  env: { TEMPORAL_ADDRESS: string; TEMPORAL_NAMESPACE: string };
}

let namespaces = 0;
/** A namespace name of this test file's own, new at each call: `t-<file>-<n>`. */
function newNamespace(): string {
  return `t-${testFileStem()}-${process.pid}-${++namespaces}`;
}

/**
 * The run's shared dev server with a namespace of this caller's own (the job search attributes
 * registered), so files and harnesses see none of each other's workflows, schedules or task queues; or,
 * with `options` (a test that restarts or reconfigures its server) or without a shared one, a dev server
 * of its own on the default namespace. stop() stops only a server this call started.
 */
export async function startTestTemporal(options?: DevServerOptions): Promise<TestTemporal> {
  const address = process.env[SHARED_TEMPORAL_ENV.address];
  if (options || !address) {
    const server = await startDevServer(options);
    return withNamespace(server, 'default');
  }
  const namespace = newNamespace();
  const connection = await Connection.connect({ address });
  try {
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs('1 day'),
    });
    // What `start-dev --search-attribute` gives the default namespace (src/dev/temporal-dev-server.ts).
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(
        Object.values(SA).map((key) => [key.name, indexedValueType(key.type)]),
      ),
    });
  } finally {
    await connection.close();
  }
  const shared: DevServer = {
    address,
    uiUrl: process.env[SHARED_TEMPORAL_ENV.uiUrl] ?? '',
    pid: Number(process.env[SHARED_TEMPORAL_ENV.pid]),
    stop: () => Promise.resolve(), // the run's server: test/suite/run.ts stops it
  };
  return withNamespace(shared, namespace);
}

function withNamespace(server: DevServer, namespace: string): TestTemporal {
  return { ...server, namespace, env: { TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: namespace } };
}
