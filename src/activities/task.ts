import { Context } from '@temporalio/activity';
import { connectProfileBrowser } from '../cdp/connect';
import { asFailure, failure } from '../errors';
import type { JobSpec } from '../job';
import type { TaskContext } from '../tasks/types';
import { formatIssues } from '../validation';
import type { ActivityDeps } from './deps';

export interface ExecuteTaskInput {
  spec: JobSpec;
  port: number;
  lease_token: number;
}

const MIN_HEARTBEAT_MS = 1000;

export function taskActivities(deps: ActivityDeps) {
  return {
    /**
     * Runs the named task against the profile's browser. Heartbeats (which also carries cancellation)
     * and renews the lease on one timer; losing the lease or a cancel aborts the task.
     */
    async executeTask(input: ExecuteTaskInput): Promise<unknown> {
      const activity = Context.current();
      const { spec } = input;
      const task = deps.tasks.get(spec.task.name);
      const parsedInput = task.input.safeParse(spec.task.input);
      if (!parsedInput.success) {
        const problems = formatIssues(parsedInput.error, 'task.input');
        throw failure('TaskInputInvalid', `task ${task.name}: ${problems.join('; ')}`, {
          details: { problems },
        });
      }

      const attempt = activity.info.attempt;
      const log = deps.log.child({ job_id: spec.job_id, task: task.name, attempt });
      const abort = new AbortController();
      const forwardCancel = () => abort.abort(activity.cancellationSignal.reason);
      activity.cancellationSignal.addEventListener('abort', forwardCancel);

      let progress: Record<string, unknown> | undefined;
      const renewLease = async () => {
        const held = await deps.leases.extend(spec.profile_id, input.lease_token, deps.leaseTtlMs);
        if (!held && !abort.signal.aborted) {
          abort.abort(
            failure('ProfileLeased', `lease on profile ${spec.profile_id} was lost while the task ran`),
          );
        }
      };
      const intervalMs = Math.max(
        MIN_HEARTBEAT_MS,
        Math.min(activity.info.heartbeatTimeoutMs ?? Infinity, deps.leaseTtlMs) / 3,
      );
      const timer = setInterval(() => {
        activity.heartbeat(progress);
        renewLease().catch((err: unknown) => log.warn('lease renewal failed', { error: err }));
      }, intervalMs);

      const { browser } = await connectProfileBrowser(deps.cdpHost, input.port, { signal: abort.signal });
      // Closing the CDP connection makes any Playwright call in flight reject at once.
      const detach = () => void browser.close().catch(() => undefined);
      abort.signal.addEventListener('abort', detach);
      try {
        const context = browser.contexts()[0] ?? (await browser.newContext());
        const page = context.pages()[0] ?? (await context.newPage());
        const taskContext: TaskContext = {
          job: { ...spec, attempt },
          browser,
          context,
          page,
          secrets: deps.secrets,
          signal: abort.signal,
          log,
          heartbeat: (details) => {
            progress = details;
            activity.heartbeat(details);
          },
        };
        log.info('task started');
        const running = task.run(taskContext, parsedInput.data);
        const aborted = new Promise<never>((_, reject) => {
          abort.signal.addEventListener('abort', () => reject(abort.signal.reason as Error));
        });
        running.catch(() => undefined); // its rejection is handled through the race below
        const output = await Promise.race([running, aborted]);
        const parsedOutput = task.output.safeParse(output);
        if (!parsedOutput.success) {
          const problems = formatIssues(parsedOutput.error, 'output');
          throw failure('TaskOutputInvalid', `task ${task.name}: ${problems.join('; ')}`, {
            details: { problems },
          });
        }
        log.info('task finished');
        return parsedOutput.data;
      } catch (err) {
        if (abort.signal.aborted) throw abort.signal.reason as Error;
        log.warn('task failed', { error: err });
        throw asFailure(err, 'TaskFailed');
      } finally {
        clearInterval(timer);
        activity.cancellationSignal.removeEventListener('abort', forwardCancel);
        abort.signal.removeEventListener('abort', detach);
        await browser.close().catch(() => undefined);
      }
    },
  };
}
