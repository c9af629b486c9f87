import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadWorkerConfig } from '../../src/config';

const root = join(__dirname, '..', '..');
const compose = (...args: string[]) =>
  execFileSync('docker-compose', ['-f', join(root, 'docker-compose.yml'), ...args], {
    cwd: root,
    encoding: 'utf8',
  });

// No Docker engine runs here: the file is validated offline by docker-compose (installed by ensure-tools.sh).
test('docker-compose.yml is valid and defines the Temporal server, Jaeger and a worker', () => {
  assert.doesNotThrow(() => compose('config', '-q'));
  assert.deepEqual(compose('config', '--services').trim().split('\n').sort(), [
    'jaeger',
    'temporal',
    'worker',
  ]);
});

test("the worker service's environment is accepted by the worker's configuration", () => {
  const rendered = compose('config');
  const environment = rendered.slice(rendered.indexOf('environment:'), rendered.indexOf('extra_hosts:'));
  const env = Object.fromEntries(
    [...environment.matchAll(/^\s+(\w+): ?'?([^'\n]*)'?$/gm)].map((m) => [m[1]!, m[2]!] as const),
  );
  assert.equal(env.TEMPORAL_ADDRESS, 'temporal:7233');
  const config = loadWorkerConfig(env);
  assert.equal(config.temporal.connection.address, 'temporal:7233');
  assert.equal(config.launcherUrl, undefined, 'an empty MLX_LAUNCHER_URL selects the embedded launcher');
  assert.equal(
    env.OTEL_EXPORTER_OTLP_ENDPOINT,
    'http://jaeger:4317',
    'the worker sends its traces to Jaeger',
  );
});
