import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { freePort } from '../../src/dev/free-port';
import { spawnServer } from '../../src/dev/spawn-server';
import { retryWhenExitedDuringStart, waitUntilServing } from '../../src/dev/wait-ready';

export interface LocalAlertmanager {
  /** host:port, for Prometheus's alerting configuration. */
  target: string;
  stop(): Promise<void>;
}

interface AlertmanagerConfig {
  route: Record<string, unknown>;
  receivers: { name: string; webhook_configs?: { url: string }[] }[];
}

const COMPOSE_CONFIG = join(__dirname, '..', '..', 'deploy', 'alertmanager', 'alertmanager.yml');

/**
 * Debian's Alertmanager (prometheus-alertmanager, installed by scripts/ensure-tools.sh) on a free loopback
 * port, clustering off, with the compose stack's route and receivers (deploy/alertmanager/alertmanager.yml):
 * only the example receiver's URL becomes `webhookUrl` and the group timings a second, so a test does not
 * wait minutes.
 */
export function startAlertmanager(webhookUrl: string): Promise<LocalAlertmanager> {
  return retryWhenExitedDuringStart(() => startOnce(webhookUrl));
}

async function startOnce(webhookUrl: string): Promise<LocalAlertmanager> {
  const dir = mkdtempSync(join(tmpdir(), 'mlx-alertmanager-'));
  const config = parse(readFileSync(COMPOSE_CONFIG, 'utf8')) as AlertmanagerConfig;
  Object.assign(config.route, { group_wait: '1s', group_interval: '1s' });
  for (const receiver of config.receivers)
    for (const webhook of receiver.webhook_configs ?? []) webhook.url = webhookUrl;
  const configFile = join(dir, 'alertmanager.yml');
  writeFileSync(configFile, JSON.stringify(config));
  const port = await freePort();
  const { child, stderr, stop } = spawnServer(
    'prometheus-alertmanager',
    [
      `--config.file=${configFile}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    dir,
  );
  await waitUntilServing({
    name: 'Alertmanager',
    child,
    readyUrl: `http://127.0.0.1:${port}/-/ready`,
    stderr,
    stop,
    timeoutMs: 30_000,
  });
  return { target: `127.0.0.1:${port}`, stop };
}
