import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { connectProfileBrowser } from '../cdp';
import {
  ASK_UPDATE,
  failure,
  type AskReply,
  type AskRequest,
  type DeliverAnswerInput,
  type JobRef,
  type JobSpec,
  ATTR,
  jobAttributes,
  jobRef,
} from '../contract';
import { filterOutput, stepSpan } from '../telemetry';
import { DEFAULT_TASK_LIMITS } from '../tasks';
import type { ActivityDeps } from './deps';
import { askPerson } from './ask';
import { checkJobAccess } from './access';
import {
  captureEvidence,
  DEFAULT_ARTIFACTS_RETENTION_MS,
  keepEvidence,
  DEFAULT_TRACE_MAX_BYTES,
  pruneArtifacts,
  type Evidence,
} from './evidence';
import { driveTask, parseTaskInput } from './drive-task';
import { confirmLease, keepLease } from './lease-keeper';
import { currentRun } from './run-of';

export interface ExecuteTaskInput {
  spec: JobSpec;
  /** The job's span attributes (with its schedule); absent in runs started before it was passed. */
  job?: JobRef;
  port: number;
  lease_token: number;
}

/** `temporal`: the worker's client, through which a task's `ctx.ask` tells its job it asks. */
export function taskActivities(deps: ActivityDeps, temporal?: Pick<Client, 'workflow'>) {
  return {
    /**
     * Runs the named task against the profile's browser. Heartbeats (which also carries cancellation)
     * and renews the lease on one timer; losing the lease or a cancel aborts the task. A failed task
     * leaves a screenshot, its Playwright trace, URL and title behind as evidence.
     */
    executeTask(input: ExecuteTaskInput): Promise<unknown> {
      const { spec } = input;
      const job = input.job ?? jobRef(spec);
      return stepSpan('mlx.task.execute', job, deps.workerId, async (span) => {
        span.setAttribute(ATTR.task, spec.task.name);
        const activity = Context.current();
        const task = deps.tasks.get(spec.task.name);
        const parsedInput = parseTaskInput(task, spec.task.input);

        // Checked again here (runs recorded before startProfile checked them): the profile is the client's,
        // the credentials are the client's and for the sites the task types them into.
        const uses = checkJobAccess(deps, spec, spec.task);
        // A retry after the lease was lost must not attach: another host may hold the profile now.
        await confirmLease(deps, spec.profile_id, input.lease_token, 'the task attached');
        const attempt = activity.info.attempt;
        const log = deps.log.child({ job_id: spec.job_id, task: task.name, attempt });
        const abort = new AbortController();
        const forwardCancel = () => abort.abort(activity.cancellationSignal.reason);
        activity.cancellationSignal.addEventListener('abort', forwardCancel);

        let progress: Record<string, unknown> | undefined;
        const keeper = keepLease(
          deps,
          { profile_id: spec.profile_id, token: input.lease_token },
          {
            log,
            onLost: (lost) => !abort.signal.aborted && abort.abort(lost),
            details: () => progress,
          },
        );
        const drive = async (): Promise<unknown> => {
          const { browser } =
            deps.connections.take(spec.profile_id, input.port) ??
            (await connectProfileBrowser(deps.cdpHost, input.port, { signal: abort.signal }));
          return driveTask({
            task,
            input: parsedInput,
            browser,
            job: { ...job, attempt },
            spanAttributes: jobAttributes(job),
            secrets: deps.secrets.forJob(uses, spec.client_id),
            origins: uses.length ? deps.secrets.originsOf(uses) : [],
            limits: deps.taskLimits ?? DEFAULT_TASK_LIMITS,
            abort,
            log,
            heartbeat: (details) => {
              progress = details;
              activity.heartbeat(details);
            },
            ask: askPerson({
              jobId: spec.job_id,
              workerId: deps.workerId,
              hostTaskQueue: deps.hostTaskQueue,
              questions: deps.questions,
              signal: abort.signal,
              log,
              tellJob: (request) => {
                const run = activity.info.workflowExecution;
                if (!temporal || !run) throw new Error('this worker has no Temporal client for its jobs');
                return temporal.workflow
                  .getHandle(run.workflowId, run.runId)
                  .executeUpdate<AskReply, [AskRequest]>(ASK_UPDATE, { args: [request] });
              },
            }),
            // The browser died under the task (crashed, killed): no retry on this port can help, the job
            // starts the profile again (BrowserCrashed).
            crashed: () =>
              failure(
                'BrowserCrashed',
                `the browser of profile ${spec.profile_id} exited or dropped its CDP connection during the task`,
                { nonRetryable: true, details: { port: input.port } },
              ),
            trace: deps.failureTrace?.detail === 'off' ? undefined : (deps.failureTrace?.detail ?? 'actions'),
            onFailure: async (page, failed, recording) => {
              const maxBytes = deps.failureTrace?.maxBytes ?? DEFAULT_TRACE_MAX_BYTES;
              const evidence = await captureEvidence(
                page,
                deps.artifactsDir,
                `${spec.job_id}-attempt${attempt}`,
                recording && { recording, maxBytes, log },
              );
              // Also in the shared store, sealed, for an operator elsewhere (`dlq show --evidence`).
              const stored = await keepEvidence(
                deps,
                [evidence.screenshot, evidence.trace],
                currentRun().workflow_id,
              ).catch((storeError: unknown) => {
                log.warn('could not keep the evidence in the claim-check store', { err: storeError });
                return undefined;
              });
              if (stored) evidence.stored = stored;
              // Each new failure clears the evidence past its retention (the worker also does so hourly).
              await pruneArtifacts(
                deps.artifactsDir,
                deps.artifactsRetentionMs ?? DEFAULT_ARTIFACTS_RETENTION_MS,
              ).catch((pruneError: unknown) =>
                log.warn('could not prune old failure artifacts', { err: pruneError }),
              );
              span.setAttributes({
                'mlx.artifact.screenshot': evidence.screenshot ?? '',
                'mlx.artifact.trace': evidence.trace ?? '',
                'mlx.page.url': filterOutput(evidence.url),
                'mlx.page.title': filterOutput(evidence.title),
              });
              log.warn('task failed', { type: failed.type, error: failed.message, evidence });
              return withEvidence(failed, evidence);
            },
          });
        };
        try {
          const output = await drive();
          // Its browser is in a state a task completed in: the stop may keep it for the next job.
          const open = deps.profiles.get(spec.profile_id);
          if (open?.job_id === spec.job_id && open.lease_token === input.lease_token) {
            deps.profiles.set({ ...open, task_completed: true });
          }
          return output;
        } finally {
          deps.questions.forget(spec.job_id);
          keeper.stop();
          activity.cancellationSignal.removeEventListener('abort', forwardCancel);
        }
      });
    },
    /** Hands an operator's answer to the task on this worker that waits for it; false when none waits. */
    deliverAnswer(input: DeliverAnswerInput): Promise<boolean> {
      return Promise.resolve(deps.questions.deliver(input.job_id, input.question_id, input.answer));
    },
  };
}

/** The same failure, with the evidence added to its details for `mlx-jobs status` and the Temporal UI. */
function withEvidence(err: ApplicationFailure, evidence: Evidence): ApplicationFailure {
  const details = (err.details?.[0] as Record<string, unknown> | undefined) ?? {};
  return ApplicationFailure.create({
    type: err.type ?? undefined,
    message: err.message,
    details: [{ ...details, evidence }],
    nextRetryDelay: err.nextRetryDelay ?? undefined,
    nonRetryable: err.nonRetryable ?? undefined,
  });
}
