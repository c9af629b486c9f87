import { Context } from '@temporalio/activity';
import { type JobRef } from '../contract';
import { connectProfileBrowser } from '../cdp';
import { stepSpan } from '../telemetry';
import type { ActivityDeps } from './deps';
import { confirmLease, keepLease } from './lease-keeper';

export interface CdpInfo {
  port: number;
  browser_version: string;
  pages: number;
}

export interface CdpConnectInput {
  job: JobRef;
  port: number;
  /** The job's lease, confirmed and kept alive while the browser is probed. */
  lease_token: number;
}

/** Kept between the attach's own deadline and the attempt's start-to-close, for the failure to be sent. */
const REPORT_MARGIN_MS = 2_000;

export function cdpActivities(deps: ActivityDeps) {
  return {
    /** Proves the profile's browser answers on CDP and can be driven, before the task starts. */
    cdpConnect({ job, port, lease_token }: CdpConnectInput): Promise<CdpInfo> {
      return stepSpan('mlx.cdp.connect', job, deps.workerId, async (span) => {
        span.setAttribute('mlx.cdp.port', port);
        const lost = new AbortController();
        await confirmLease(deps, job.profile_id, lease_token, 'the browser was probed');
        const lease = { profile_id: job.profile_id, token: lease_token };
        const keeper = keepLease(deps, lease, { log: deps.log, onLost: (err) => lost.abort(err) });
        try {
          // The attach ends within the attempt's start-to-close, so a slow one fails with its own reason
          // (which phase, after how long) instead of a bare StartToClose timeout.
          const activity = Context.current();
          const connection = await connectProfileBrowser(deps.cdpHost, port, {
            signal: AbortSignal.any([lost.signal, activity.cancellationSignal]),
            timeoutMs: Math.max(REPORT_MARGIN_MS, activity.info.startToCloseTimeoutMs - REPORT_MARGIN_MS),
          });
          const { browser, browserVersion } = connection;
          const pages = browser.contexts().reduce((sum, context) => sum + context.pages().length, 0);
          span.setAttribute('mlx.browser.version', browserVersion);
          // The task that follows on this host attaches through this connection instead of a new one.
          deps.connections.keep(job.profile_id, port, connection);
          return { port, browser_version: browserVersion, pages };
        } finally {
          keeper.stop();
        }
      });
    },
  };
}
