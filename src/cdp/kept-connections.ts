import type { ConnectedBrowser } from './attach';

/**
 * The CDP connection cdpConnect opened, kept for the task that follows on the same host, so a job
 * attaches to its browser once (a second attach costs 50–80 ms). A connection is handed out once; one
 * whose browser went away is forgotten; one nobody takes is closed when its profile stops.
 */
export interface KeptConnections {
  keep(profileId: string, port: number, connection: ConnectedBrowser): void;
  /** The kept connection to this profile's browser on this port, if it is still connected. */
  take(profileId: string, port: number): ConnectedBrowser | undefined;
  /** Closes (detaches) and forgets what is kept for the profile. */
  drop(profileId: string): Promise<void>;
}

export function createKeptConnections(): KeptConnections {
  const kept = new Map<string, { port: number; connection: ConnectedBrowser }>();
  return {
    keep(profileId, port, connection) {
      void this.drop(profileId);
      kept.set(profileId, { port, connection });
      connection.browser.once('disconnected', () => {
        if (kept.get(profileId)?.connection === connection) kept.delete(profileId);
      });
    },
    take(profileId, port) {
      const entry = kept.get(profileId);
      kept.delete(profileId);
      if (!entry) return undefined;
      if (entry.port !== port || !entry.connection.browser.isConnected()) {
        void entry.connection.browser.close().catch(() => undefined);
        return undefined;
      }
      return entry.connection;
    },
    async drop(profileId) {
      const entry = kept.get(profileId);
      kept.delete(profileId);
      // Over CDP, close() only detaches Playwright; the profile's browser keeps running.
      await entry?.connection.browser.close().catch(() => undefined);
    },
  };
}
