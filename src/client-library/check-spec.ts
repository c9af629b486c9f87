import { ApplicationFailure } from '@temporalio/common';
import {
  errorTypeOf,
  failure,
  formatIssues,
  parseJobSpec,
  type JobSpec,
  type RunJobInput,
} from '../contract';
import {
  boundProblems,
  DEFAULT_POLICY_BOUNDS,
  DEFAULT_STEP_POLICIES,
  mergePolicies,
  type PolicyConfig,
} from '../policies';
import { profileProblem, type ProfileOwners } from '../secrets';
import { configuredTasks, type TaskRegistry } from '../tasks';
import { EgressRefused, judgeTarget, STRICT_EGRESS, type EgressPolicy } from '../webhooks';

/** What a client resolves for every job it starts: the configured policies and the dead-letter retention. */
export interface SubmitSettings {
  /** Configured step policies and bounds (Config.policy); the documented defaults when omitted. */
  policy?: PolicyConfig;
  /** How long a job that cannot succeed waits for an operator (Config.deadLetterRetentionMs); 0: never. */
  deadLetterRetentionMs?: number;
  /** The tasks the workers run, to refuse unknown names and bad input at submit; by default those of MLX_TASKS_MODULE, else the built-in ones. */
  tasks?: TaskRegistry;
  /** Which client owns which profile (Config.profileOwners): a job on another client's profile is refused. */
  profileOwners?: ProfileOwners;
  /**
   * The workers' callback_url allowlist (Config.egress): a URL refused without DNS (scheme, user info,
   * a non-public address literal, localhost) is refused at submit. Strict (nothing allowed) by default.
   */
  egress?: EgressPolicy;
}

/** The settings checkSpec reads. */
export type SpecChecks = Pick<SubmitSettings, 'policy' | 'tasks' | 'profileOwners' | 'egress'>;

export type SpecCheck = { spec: JobSpec; problems?: undefined } | { spec?: undefined; problems: string[] };

/**
 * A spec as startJob runs it, or every problem with it, each naming its field: the JobSpec schema with
 * its size and depth limits and callback_url's form (parseJobSpec) first, then callback_url's target
 * as far as it is judged without DNS (the workers' allowlist), then the profile's owner
 * (the job's client must own it), the job's own policies against the configured bounds (tighten only),
 * then the task's name and its input against the task's own schema. Starts nothing and connects to nothing, so a single submit, a batch or a schedule template
 * is checked whole before anything is submitted.
 */
export function checkSpec(value: unknown, checks: SpecChecks = {}): SpecCheck {
  const { spec, problems: unparsed } = parsedSpec(value);
  if (!spec) return { problems: unparsed };
  const owner = checks.profileOwners && profileProblem(checks.profileOwners, spec);
  const problems = [
    ...callbackProblems(spec, checks.egress ?? STRICT_EGRESS),
    ...(owner ? [owner] : []),
    ...policyProblems(spec, checks.policy),
    ...taskProblems(spec, checks.tasks),
  ];
  return problems.length ? { problems } : { spec };
}

/**
 * The part of checkSpec that needs no registry of tasks, owners or hosts: the JobSpec schema with its
 * limits, and the job's own policies within the bounds. Workers check a run's input with it too (they
 * judge callback_url when they deliver, with DNS).
 */
export function checkSpecShape(value: unknown, policy?: PolicyConfig): SpecCheck {
  const parsed = parsedSpec(value);
  if (!parsed.spec) return parsed;
  const problems = policyProblems(parsed.spec, policy);
  return problems.length ? { problems } : parsed;
}

function policyProblems(spec: JobSpec, policy: PolicyConfig = defaultPolicy()): string[] {
  return boundProblems(spec.policies, policy.bounds, policy.policies);
}

function parsedSpec(value: unknown): SpecCheck {
  try {
    return { spec: parseJobSpec(value) };
  } catch (err) {
    const details = err instanceof ApplicationFailure ? (err.details?.[0] as { problems?: string[] }) : {};
    if (!details?.problems) throw err;
    return { problems: details.problems };
  }
}

/** checkSpec, throwing JobSpecInvalid (every problem in the message and in its details) instead. */
export function checkedSpec(value: unknown, checks: SpecChecks = {}): JobSpec {
  const checked = checkSpec(value, checks);
  if (checked.spec) return checked.spec;
  const { problems } = checked;
  throw failure('JobSpecInvalid', `invalid job spec: ${problems.join('; ')}`, { details: { problems } });
}

/** The workflow input of a checked spec: policies merged for it, the retention the client configured. */
export function runJobInput(spec: JobSpec, settings: SubmitSettings): RunJobInput {
  return {
    spec,
    policies: mergePolicies((settings.policy ?? defaultPolicy()).policies, spec.policies),
    dead_letter_retention_ms: settings.deadLetterRetentionMs ?? 0,
  };
}

/** What the workers would refuse of callback_url without resolving it. */
function callbackProblems(spec: JobSpec, egress: EgressPolicy): string[] {
  if (!spec.callback_url) return [];
  try {
    judgeTarget(spec.callback_url, spec.client_id, egress);
    return [];
  } catch (err) {
    if (!(err instanceof EgressRefused)) throw err;
    return [`callback_url: ${err.message.replace(/^callback_url /, '')}`];
  }
}

function taskProblems(job: JobSpec, tasks: TaskRegistry = configuredTasks()): string[] {
  let task;
  try {
    task = tasks.get(job.task.name);
  } catch (err) {
    if (errorTypeOf(err) !== 'TaskUnknown') throw err;
    return [`task.name: no task named "${job.task.name}"; known: ${tasks.names().join(', ')}`];
  }
  const parsed = task.input.safeParse(job.task.input);
  return parsed.success ? [] : formatIssues(parsed.error, 'task.input');
}

function defaultPolicy(): PolicyConfig {
  return { policies: DEFAULT_STEP_POLICIES, bounds: DEFAULT_POLICY_BOUNDS };
}
