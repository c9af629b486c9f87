import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Logger } from '../../src/telemetry';
import { temporalLogger } from '../../src/worker-process/temporal-logger';

test("the SDK's log lines reach our logger without the activity task token", () => {
  const lines: [string, string, Record<string, unknown> | undefined][] = [];
  const record =
    (level: string) =>
    (msg: string, fields?: Record<string, unknown>): void => {
      lines.push([level, msg, fields]);
    };
  const log = {
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  } as unknown as Logger;
  const sdk = temporalLogger(log);
  sdk.warn('Activity failed', { taskToken: 'CiQwMWEy', activityType: 'executeTask', attempt: 2 });
  sdk.info('No workflows registered, not polling for workflow tasks');
  assert.deepEqual(lines, [
    ['warn', 'Activity failed', { activityType: 'executeTask', attempt: 2 }],
    ['debug', 'No workflows registered, not polling for workflow tasks', {}],
  ]);
});
