import type { Server } from 'node:net';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../contract/config-error';
import type { Logger } from './log';

/** An address a setting (MLX_METRICS_ADDRESS, MLX_SDK_METRICS_ADDRESS) chose. */
export interface SettingAddress {
  host: string;
  /** 0: any free port. */
  port: number;
  /** The setting that chose host and port: named in the one line a port that cannot be had gets. */
  setting: string;
  /**
   * When the port is taken, take a free one instead and warn (the address was only the default, so a
   * second process on the host still starts); otherwise a taken port is a bad setting.
   */
  anyPortIfTaken?: boolean;
}

/** host:port, with an IPv6 host in brackets. */
export function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Listens on the setting's address; resolves with the bound port. */
export async function listenOnSetting(server: Server, address: SettingAddress, log: Logger): Promise<number> {
  try {
    await listen(server, address.host, address.port);
  } catch (err) {
    const taken = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
    if (!taken || !address.anyPortIfTaken) throw listenFailure(err, address);
    await listen(server, address.host, 0);
    log.warn(
      `${address.setting} is not set and its default port ${address.port} is taken (another worker on this host?): serving on a free port; give each worker on a host its own ${address.setting} for Prometheus to find it`,
      { url: `http://${hostPort(address.host, (server.address() as AddressInfo).port)}` },
    );
  }
  return (server.address() as AddressInfo).port;
}

/**
 * A port for a listener this process cannot hand a socket to (the Temporal SDK's exporter binds its own):
 * taken as listenOnSetting would, then given back for that listener to bind at once.
 */
export async function portForSetting(address: SettingAddress, log: Logger): Promise<number> {
  const probe = createServer();
  const port = await listenOnSetting(probe, address, log);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

const LISTEN_FAILURES: Record<string, string> = {
  EADDRINUSE: 'is in use (another worker on this host?): give each worker its own port',
  EACCES: 'needs privileges this process does not have: use a port above 1023',
  EADDRNOTAVAIL: 'is not an address of this host: use 127.0.0.1, 0.0.0.0 or one of its own',
  ENOTFOUND: 'names a host that cannot be resolved',
};

/** A port that cannot be had is a bad setting: one line naming it and what to do. */
function listenFailure(err: unknown, address: SettingAddress): unknown {
  const why = LISTEN_FAILURES[(err as NodeJS.ErrnoException).code ?? ''];
  if (!why) return err;
  return new ConfigError(`bad setting ${address.setting}: ${hostPort(address.host, address.port)} ${why}`);
}
