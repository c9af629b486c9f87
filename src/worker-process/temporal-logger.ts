import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import type { Logger, LogLevel } from '../telemetry';

const LEVELS: Record<LogEntry['level'], LogLevel> = {
  TRACE: 'debug',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * Routes the Temporal SDK's own logs (worker, workflow and activity loggers) into our JSON lines. The
 * activity task token is dropped: with it anyone could complete or fail that activity.
 */
export function temporalLogger(log: Logger, level: LogEntry['level'] = 'INFO'): DefaultLogger {
  return new DefaultLogger(level, (entry) => {
    // The host-queue worker has no workflows by design; the SDK warns about that at every start.
    const expected = entry.message.startsWith('No workflows registered');
    const meta = { ...entry.meta };
    delete meta.taskToken;
    log[expected ? 'debug' : LEVELS[entry.level]](entry.message, meta);
  });
}
